from django import forms

from accounts.models import Account, Membership
from accounts.names import validate_name
from accounts.permissions import Role


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    name = forms.CharField(
        max_length=150, required=False, label="Your name", validators=[validate_name]
    )
    account_name = forms.CharField(
        max_length=Account._meta.get_field("name").max_length,
        required=False,
        label="Account name",
        validators=[validate_name],
        help_text="Usually your company or team. You can change it later.",
    )

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "").strip()
        user.save(update_fields=["name"])


class AccountNameForm(forms.Form):
    name = forms.CharField(
        max_length=Account._meta.get_field("name").max_length,
        label="Account name",
        validators=[validate_name],
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name for the account.")
        return name


class SwitchAccountForm(forms.Form):
    account = forms.IntegerField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_account(self):
        # SECURITY: only an account the user belongs to can be chosen.
        membership = (
            Membership.objects.filter(user=self.user, account_id=self.cleaned_data["account"])
            .select_related("account")
            .first()
        )
        if membership is None:
            raise forms.ValidationError("You are not a member of that account.")
        return membership


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False)


class DeleteAccountForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type the account's name to confirm",
        max_length=Account._meta.get_field("name").max_length,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class TransferRequestForm(forms.Form):
    new_owner = forms.ModelChoiceField(
        queryset=Membership.objects.none(), label="New Owner", empty_label=None
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = Membership.objects.filter(
            account=account, role=Role.ADMIN
        ).select_related("user")
        self.fields["new_owner"].label_from_instance = lambda m: m.user.email
        self.fields["new_owner"].error_messages["invalid_choice"] = (
            "Ownership can only be transferred to an Admin of this account."
        )
