from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label="Code",
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class ConfirmDeviceForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Code from the app",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class RequireMfaForm(forms.Form):
    require_mfa = forms.BooleanField(required=False, label="Require MFA for all members")


class SessionEndForm(forms.Form):
    session = forms.IntegerField(min_value=1, max_value=2**63 - 1)
