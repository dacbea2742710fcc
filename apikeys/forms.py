import secrets
from datetime import timedelta

from django import forms
from django.utils import timezone

from accounts.actors import KEY_ROLES
from accounts.names import validate_name
from accounts.permissions import Role
from apikeys import network
from apikeys.expiry import DEFAULT_OVERLAP, LIFETIME_DAYS, OVERLAPS, lifetime_label, start_of
from apikeys.models import AdminKey, ApiKey
from apikeys.scopes import Scope
from projects.models import Project


def new_create_token() -> str:
    return secrets.token_urlsafe(24)


class AllowlistField(forms.CharField):
    """IPv4/IPv6 addresses or CIDR ranges, one per line or comma-separated (K7)."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": "203.0.113.0/24\n2001:db8::/32"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "IP allowlist")
        kwargs.setdefault(
            "help_text",
            "Addresses or CIDR ranges, one per line. Empty: the key works from anywhere.",
        )
        super().__init__(max_length=4000, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def clean(self, value):
        return network.clean_allowlist(super().clean(value) or "")


def _scope_field() -> forms.TypedChoiceField:
    # Left out of a post (an older form, a script): full, the default.
    return forms.TypedChoiceField(
        choices=Scope.choices,
        initial=Scope.FULL,
        required=False,
        empty_value=Scope.FULL,
        label="Scope",
        error_messages={"invalid_choice": "Choose full, transcribe or read."},
    )


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
        validators=[validate_name],
        help_text="Describe where it is used, for example “Production API”.",
        widget=forms.TextInput(attrs={"placeholder": "Production API"}),
        error_messages={
            "required": "Enter a name for the key.",
            "max_length": "Use at most %(limit_value)d characters for the key's name.",
        },
    )
    # Left out of a post: `default_expiry`.
    expires = forms.ChoiceField(
        label="Expires",
        required=False,
        error_messages={"invalid_choice": "Choose when the key expires."},
    )
    expires_on = forms.DateField(
        label="Expiry date",
        required=False,
        help_text="With “On a date”: the key stops working as this date begins (UTC).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scope = _scope_field()
    allowed_ips = AllowlistField()
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        # SECURITY: only the account's live projects can be chosen.
        self.fields["project"].queryset = Project.objects.for_account(account)
        max_days = account.max_key_lifetime_days
        choices = [] if max_days is not None else [("never", "Never")]
        choices += [
            (str(days), f"In {lifetime_label(days)}")
            for days in LIFETIME_DAYS
            if max_days is None or days <= max_days
        ]
        choices.append(("date", "On a date"))
        self.fields["expires"].choices = choices
        # Never, or the longest lifetime the policy allows.
        self.default_expiry = choices[0][0] if max_days is None else choices[-2][0]
        if max_days is not None:
            self.fields[
                "expires"
            ].help_text = f"Your account's policy: keys expire within {lifetime_label(max_days)}."
        if not self.is_bound:
            self.initial.setdefault("token", new_create_token())
            self.initial.setdefault("expires", self.default_expiry)

    def clean(self):
        data = super().clean()
        choice = data.get("expires")
        if choice == "" and "expires" not in self.errors:
            choice = self.default_expiry
        if choice == "never":
            data["expires_at"] = None
        elif choice == "date":
            day = data.get("expires_on")
            if day is None:
                if "expires_on" not in self.errors:
                    self.add_error("expires_on", "Choose the date the key expires.")
            elif day <= timezone.now().date():
                self.add_error("expires_on", "Choose a date after today.")
            else:
                data["expires_at"] = start_of(day)
        elif choice:
            data["expires_at"] = timezone.now() + timedelta(days=int(choice))
        return data


class ApiKeyEditForm(forms.Form):
    scope = _scope_field()
    allowed_ips = AllowlistField()


class ApiKeyRollForm(forms.Form):
    overlap = forms.ChoiceField(
        label="The old key keeps working for",
        choices=[(code, label) for code, (label, _) in OVERLAPS.items()],
        initial=DEFAULT_OVERLAP,
        error_messages={"invalid_choice": "Choose how long the old key keeps working."},
    )

    @property
    def overlap_delta(self) -> timedelta:
        return OVERLAPS[self.cleaned_data["overlap"]][1]


class KeyLifetimePolicyForm(forms.Form):
    max_days = forms.TypedChoiceField(
        label="Maximum API key lifetime",
        choices=[("", "No maximum")] + [(str(d), lifetime_label(d)) for d in LIFETIME_DAYS],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="New keys must expire within it. Existing keys keep working "
        "and are listed as out of policy.",
        error_messages={"invalid_choice": "Choose one of the lifetimes offered."},
    )


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
