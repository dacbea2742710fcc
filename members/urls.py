from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("invite/", views.invite, name="invite"),
    path("invites/<int:pk>/resend/", views.invite_resend, name="invite_resend"),
    path("invites/<int:pk>/delete/", views.invite_delete, name="invite_delete"),
    path("<int:pk>/delete/", views.member_delete, name="member_delete"),
    path("<int:pk>/role/", views.member_role, name="member_role"),
    path("leave/", views.leave, name="leave"),
    path("join/<str:token>/", views.accept, name="accept"),
]
