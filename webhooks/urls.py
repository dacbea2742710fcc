from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="edit"),
    path("<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("<int:pk>/secret/", views.secret_roll, name="roll_secret"),
    path("<int:pk>/test/", views.test_send, name="test"),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        views.redeliver,
        name="redeliver",
    ),
]
