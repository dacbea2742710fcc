from django.contrib import admin
from django.urls import include, path

from config.health import health
from config.metrics import metrics
from console import views as console_views

admin.site.site_header = "Speech console support"
admin.site.site_title = "Speech console support"

urlpatterns = [
    path("", console_views.dashboard, name="home"),
    path("account/", include("accounts.urls")),
    path("members/", include("members.urls")),
    path("projects/", include("projects.urls")),
    path("projects/<int:project_id>/transcripts/", include("transcripts.urls")),
    path("keys/", include("apikeys.urls")),
    path("reporting/", include("reporting.urls")),
    path("auth/", include("allauth.urls")),
    path("support/", admin.site.urls),
    path("health", health, name="health"),
    path("metrics", metrics, name="metrics"),
    # Key- or token-authenticated, no trailing slash, never a redirect.
    path("", include("transcripts.api_urls")),
    path("", include("reporting.api_urls")),
]
