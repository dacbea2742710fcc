from django.urls import path

from apikeys import views

app_name = "apikeys"

urlpatterns = [
    path("", views.list_view, name="list"),
]
