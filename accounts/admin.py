"""Django admin for support staff: accounts, members, ownership transfer, email changes.

Every change made here goes through a service, which writes the audit entry
with the staff user as actor.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts import services
from accounts.models import Account, AuditEvent, Membership, OwnershipTransferRequest, User
from accounts.permissions import Role


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    # Memberships change only through services (invites, transfer below).
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AccountAdminForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ("name", "plan", "custom_max_projects", "custom_max_api_keys", "require_mfa")

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan")
        if plan != "enterprise" and (
            cleaned.get("custom_max_projects") is not None
            or cleaned.get("custom_max_api_keys") is not None
        ):
            raise ValidationError("Custom limits apply to Enterprise accounts only; clear them.")
        return cleaned


class TransferOwnershipForm(forms.Form):
    new_owner = forms.ModelChoiceField(queryset=Membership.objects.none(), label="New Owner")

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = (
            Membership.objects.filter(account=account)
            .exclude(role=Role.OWNER)
            .select_related("user")
        )
        self.fields["new_owner"].label_from_instance = lambda m: (
            f"{m.user.email} ({m.get_role_display()})"
        )


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountAdminForm
    list_display = ("name", "plan", "owner_email", "require_mfa", "created_at")
    list_filter = ("plan", "require_mfa")
    search_fields = ("name", "memberships__user__email")
    inlines = [MembershipInline]
    readonly_fields = ("created_at",)
    change_form_template = "admin/accounts/account/change_form.html"

    @admin.display(description="Owner")
    def owner_email(self, obj):
        return obj.billing_email

    def has_add_permission(self, request):
        # An account is born with its Owner, through sign-up.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        if changes:
            services.support_account_update(account=obj, actor=request.user, changes=changes)

    def get_urls(self):
        return [
            path(
                "<int:account_id>/transfer-ownership/",
                self.admin_site.admin_view(self.transfer_ownership_view),
                name="accounts_account_transfer_ownership",
            ),
            *super().get_urls(),
        ]

    def transfer_ownership_view(self, request, account_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        account = get_object_or_404(Account, pk=account_id)
        form = TransferOwnershipForm(request.POST or None, account=account)
        if request.method == "POST" and form.is_valid():
            new_owner = form.cleaned_data["new_owner"].user
            try:
                services.support_transfer_ownership(
                    account=account, new_owner=new_owner, actor=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    # Starts with a word of ours: the admin capitalises a message's first letter.
                    f"Transferred the ownership of {account.name}: {new_owner.email} is now "
                    "its Owner and the previous Owner an Admin. Both were emailed.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:accounts_account_change", args=[account.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Transfer ownership of {account.name}",
            "account": account,
            "current_owner": account.owner,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/account/transfer_ownership.html", context)


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("email", "name", "is_active", "is_staff", "is_superuser")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "name")
    list_filter = ("is_staff", "is_active")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()

    def save_model(self, request, obj, form, change):
        new_email = obj.email
        if change and "email" in form.changed_data:
            # The email changes through its service, which also audits it (A4).
            obj.email = form.initial["email"]
        super().save_model(request, obj, form, change)
        if obj.email != new_email:
            services.support_change_email(user=obj, new_email=new_email, actor=request.user)
            obj.refresh_from_db()


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "account", "actor_email", "by_support", "action", "target_label")
    list_filter = ("by_support", "action")
    search_fields = ("account__name", "actor_email", "target_label")
    list_select_related = ("account",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OwnershipTransferRequest)
class OwnershipTransferRequestAdmin(admin.ModelAdmin):
    list_display = ("account", "requested_by", "new_owner", "status", "created_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("account", "requested_by", "new_owner", "decided_by")
    search_fields = ("account__name", "requested_by__email", "new_owner__email")
    actions = ["approve", "reject"]
    readonly_fields = (
        "account",
        "requested_by",
        "new_owner",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "note",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, service, verb):
        done = 0
        for transfer in queryset:
            try:
                service(transfer=transfer, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{transfer}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} transfer request(s).", messages.SUCCESS)

    @admin.action(description="Approve: make the requested Admin the Owner")
    def approve(self, request, queryset):
        self._decide(request, queryset, services.support_transfer_request_approve, "Approved")

    @admin.action(description="Reject the selected requests")
    def reject(self, request, queryset):
        self._decide(request, queryset, services.support_transfer_request_reject, "Rejected")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Support sees tenant data here; changes go through the console's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
