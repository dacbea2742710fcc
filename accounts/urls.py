from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.detail, name="detail"),
    path("settings/", views.settings_view, name="settings"),
    path("audit/", views.audit, name="audit"),
    path("choose/", views.choose, name="choose"),
    path("switch/", views.switch, name="switch"),
    path("none/", views.no_account, name="none"),
    path("new/", views.create, name="create"),
    path("delete/", views.delete, name="delete"),
    path("transfer/", views.transfer_request, name="transfer_request"),
    path("transfer/<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
]
