from django.urls import include, path

from accounts import views
from accounts.mfa import views as mfa_views

app_name = "accounts"

urlpatterns = [
    path("", views.detail, name="detail"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/require-mfa/", mfa_views.require, name="require_mfa"),
    path("security/", include("accounts.mfa.urls")),
    path("audit/", views.audit, name="audit"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
    path("choose/", views.choose, name="choose"),
    path("switch/", views.switch, name="switch"),
    path("none/", views.no_account, name="none"),
    path("new/", views.create, name="create"),
    path("delete/", views.delete, name="delete"),
    path("transfer/", views.transfer_request, name="transfer_request"),
    path("transfer/<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
]
