from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from members.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "account", "role", "status", "sent_at", "expires_at")
    list_filter = ("status", "role")
    search_fields = ("email", "account__name")
    list_select_related = ("account",)
    exclude = ("token_digest",)
