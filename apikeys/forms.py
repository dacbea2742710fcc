import secrets
from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts.actors import KEY_ROLES
from accounts.permissions import Role
from apikeys.models import AdminKey, ApiKey
from projects.models import Project


def new_create_token() -> str:
    return secrets.token_urlsafe(24)


class ApiKeyCreateForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose the project the key belongs to.",
            "invalid_choice": "That project no longer exists. Choose another one.",
        },
    )
    name = forms.CharField(
        label="Key name",
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text="Describe where it is used, for example “Production API”.",
        widget=forms.TextInput(attrs={"placeholder": "Production API"}),
        error_messages={
            "required": "Enter a name for the key.",
            "max_length": "Use at most %(limit_value)d characters for the key's name.",
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        # SECURITY: only the account's live projects can be chosen.
        self.fields["project"].queryset = Project.objects.for_account(account)
        if not self.is_bound:
            self.initial.setdefault("token", new_create_token())


class ApiKeyFilterForm(forms.Form):
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="All projects"
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.for_account(account)


ADMIN_KEY_LIFETIMES = [
    ("", "Never"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In a year"),
]


class AdminKeyCreateForm(forms.Form):
    name = forms.CharField(
        label="Key name",
        max_length=AdminKey._meta.get_field("name").max_length,
        help_text="Describe the automation that uses it, for example “Terraform”.",
        error_messages={
            "required": "Enter a name for the admin key.",
            "max_length": "Use at most %(limit_value)d characters for the key's name.",
        },
    )
    role = forms.ChoiceField(
        choices=[(r.value, r.label) for r in KEY_ROLES],
        initial=Role.READER,
        help_text="Reader keys only read; Admin keys change things as an Admin would.",
    )
    expires = forms.ChoiceField(label="Expires", choices=ADMIN_KEY_LIFETIMES, required=False)

    def expires_at(self):
        days = self.cleaned_data.get("expires")
        return timezone.now() + timedelta(days=int(days)) if days else None
