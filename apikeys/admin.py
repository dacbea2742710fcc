from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from apikeys.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    # The digest is not shown: support finds a key by its prefix.
    list_display = ("name", "prefix", "project", "created_by_email", "last_used_at", "deleted_at")
    search_fields = ("name", "prefix", "project__name", "project__account__name")
    list_select_related = ("project",)
    exclude = ("digest", "create_token")
