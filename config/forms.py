"""The console's form renderer: every form and field through templates/forms/."""

from django.forms.renderers import TemplatesSetting


class ConsoleFormRenderer(TemplatesSetting):
    """`{{ form }}` and `{{ form.field.as_field_group }}` in the console's markup.

    TemplatesSetting finds templates through settings.TEMPLATES, so the project's
    templates/ directory is searched first and Django's widget templates come from
    the `django.forms` app.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
