from django.contrib import admin

from accounts.admin import ReadOnlyAdmin
from reporting.models import (
    Invoice,
    InvoiceLine,
    LedgerEntry,
    SpendAlert,
    SpendLimit,
    SpendReservation,
)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ("product", "model", "seconds", "tokens", "events", "amount_cents")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("account", "month", "sequence", "total_cents", "billed_to", "closed_at")
    search_fields = ("account__name", "billed_to")
    list_select_related = ("account",)
    inlines = [InvoiceLineInline]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("account", "kind", "amount_micros", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("account__name", "memo")
    list_select_related = ("account",)


@admin.register(SpendAlert)
class SpendAlertAdmin(ReadOnlyAdmin):
    list_display = ("account", "scope", "kind", "basis", "thresholds", "created_at")
    list_filter = ("scope", "kind")
    search_fields = ("account__name",)
    list_select_related = ("account",)


@admin.register(SpendLimit)
class SpendLimitAdmin(ReadOnlyAdmin):
    list_display = ("account", "scope", "project", "api_key", "amount_micros", "cleared_at")
    list_filter = ("scope", ("cleared_at", admin.EmptyFieldListFilter))
    search_fields = ("account__name", "project__name", "api_key__name")
    list_select_related = ("account", "project", "api_key")


@admin.register(SpendReservation)
class SpendReservationAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "kind", "reference", "amount_micros", "status", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("account__name", "reference")
    list_select_related = ("account",)
