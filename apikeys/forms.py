import secrets

from django import forms

from accounts.names import validate_name
from apikeys.models import ApiKey
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
        validators=[validate_name],
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
