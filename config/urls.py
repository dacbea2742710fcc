from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from config.health import health
from config.metrics import metrics
from console import views as console_views
from console.api.main import api as admin_api

urlpatterns = [
    path("", console_views.dashboard, name="home"),
    path("account/", include("accounts.urls")),
    path("members/", include("members.urls")),
    path("projects/", include("projects.urls")),
    path("projects/<int:project_id>/transcripts/", include("transcripts.urls")),
    path("keys/", include("apikeys.urls")),
    path("reporting/", include("reporting.urls")),
    path("webhooks/", include("webhooks.urls")),
    # A4: no self-serve email change; allauth's email page gives way to the Security page.
    path("auth/email/", account_views.sign_in_email, name="sign_in_email"),
    path("auth/", include("allauth.urls")),
    path("support/", admin.site.urls),
    path("health", health, name="health"),
    path("metrics", metrics, name="metrics"),
    # Key- or token-authenticated, no trailing slash, never a redirect.
    path("", include("transcripts.api_urls")),
    path("", include("reporting.api_urls")),
    # The admin API (admin-key authenticated), its OpenAPI document and reference page.
    path("v1/admin/", admin_api.urls),
]
