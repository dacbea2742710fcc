from django import forms

NAME_MAX_LENGTH = 100


class ProjectNameForm(forms.Form):
    name = forms.CharField(
        label="Project name",
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": "Enter a name for the project.",
            "max_length": f"Use at most {NAME_MAX_LENGTH} characters for the project's name.",
        },
    )
