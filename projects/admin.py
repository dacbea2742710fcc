from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from projects.models import Project


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "account", "created_at", "deleted_at")
    list_filter = ("deleted_at",)
    search_fields = ("name", "account__name")
    list_select_related = ("account",)
