from django import forms

from accounts.names import validate_name
from projects.models import Project


class ProjectNameForm(forms.Form):
    name = forms.CharField(
        label="Project name",
        max_length=Project._meta.get_field("name").max_length,
        validators=[validate_name],
        error_messages={
            "required": "Enter a name for the project.",
            "max_length": "Use at most %(limit_value)d characters for the project's name.",
        },
    )
