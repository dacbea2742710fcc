from django.urls import path

from apikeys import views

app_name = "apikeys"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create, name="create"),
    path("policy/", views.policy, name="policy"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.update, name="update"),
    path("<int:pk>/roll/", views.roll, name="roll"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("admin/new/", views.admin_key_create, name="admin_key_create"),
    path("admin/<int:pk>/delete/", views.admin_key_delete, name="admin_key_delete"),
]
