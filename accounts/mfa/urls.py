from django.urls import path

from accounts.mfa import views

app_name = "mfa"

urlpatterns = [
    path("", views.security, name="security"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("disable/", views.disable, name="disable"),
    path("verify/", views.verify, name="verify"),
    path("login/", views.login_code, name="login"),
    path("sessions/end/", views.session_end, name="session_end"),
]
