from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.usage, name="usage"),
    path("billing/", views.billing, name="billing"),
]
