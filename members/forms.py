from django import forms

from accounts.permissions import ASSIGNABLE_ROLES, DEFAULT_INVITE_ROLE

ROLE_CHOICES = [(role.value, role.label) for role in ASSIGNABLE_ROLES]
ROLE_ERROR = "Choose Admin or Reader."


class InviteForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={"invalid": "Enter a valid email address, like name@example.com."},
    )
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        initial=DEFAULT_INVITE_ROLE.value,
        error_messages={"invalid_choice": ROLE_ERROR},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, error_messages={"invalid_choice": ROLE_ERROR})
