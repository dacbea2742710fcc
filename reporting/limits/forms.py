"""The spend limit form: a target of the account and an amount in dollars."""

from django import forms

from apikeys.models import ApiKey
from projects.models import Project
from reporting.amounts import dollars, to_micros
from reporting.fields import dollars_field
from reporting.limits.values import MAX_LIMIT, MIN_LIMIT

ACCOUNT = "account"


def target_choices(account) -> list[tuple[str, str]]:
    """ "account", "project:<id>" and "key:<id>" for the account's live projects and keys."""
    choices = [(ACCOUNT, "The whole account")]
    for project in Project.objects.for_account(account).order_by("name", "pk"):
        choices.append((f"project:{project.pk}", f"Project {project.name}"))
    keys = ApiKey.objects.for_account(account).select_related("project")
    for key in keys.order_by("project__name", "name", "pk"):
        choices.append((f"key:{key.pk}", f"API key {key.name} ({key.project.name})"))
    return choices


def resolve_target(account, value: str) -> dict | None:
    """The service's `project` / `api_key` arguments for a target value; None if not the account's."""
    if value == ACCOUNT:
        return {}
    kind, _, raw = value.partition(":")
    if not raw.isdigit():
        return None
    # SECURITY: looked up inside the account: another account's project or key is none.
    if kind == "project":
        project = Project.objects.for_account(account).filter(pk=int(raw)).first()
        return {"project": project} if project else None
    if kind == "key":
        key = ApiKey.objects.for_account(account).select_related("project").filter(pk=int(raw))
        found = key.first()
        return {"api_key": found} if found else None
    return None


class TargetForm(forms.Form):
    target = forms.ChoiceField(
        label="Limit",
        error_messages={
            "required": "Choose the account, a project or an API key.",
            "invalid_choice": "Choose the account, one of its projects or one of its API keys.",
        },
    )
    # Where to come back to: the Billing page, the Spend limits page, or the
    # page of the API key the limit is on. Named, never a URL: nothing to redirect elsewhere.
    back = forms.ChoiceField(
        choices=[("limits", "limits"), ("billing", "billing"), ("key", "key")],
        required=False,
        widget=forms.HiddenInput,
    )

    # Its fields' ids stay apart from another form's on the same page (the Billing page's autopay).
    prefix = "limit"

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["target"].choices = target_choices(account)

    def target_kwargs(self) -> dict:
        found = resolve_target(self.account, self.cleaned_data["target"])
        if found is None:
            raise forms.ValidationError("This project or API key is no longer there.")
        return found


class SpendLimitForm(TargetForm):
    amount = dollars_field("Monthly limit (USD)", min_micros=MIN_LIMIT, max_micros=MAX_LIMIT)

    def amount_micros(self) -> int:
        return to_micros(self.cleaned_data["amount"])


def target_limit_form(account, *, target: str, back: str, amount_micros=None) -> SpendLimitForm:
    """The form for one target's limit (its current amount filled in), back to its page."""
    initial = {"target": target, "back": back}
    if amount_micros is not None:
        initial["amount"] = dollars(amount_micros)
    form = SpendLimitForm(account=account, initial=initial)
    form.fields["target"].widget = forms.HiddenInput()
    return form


def account_limit_form(account) -> SpendLimitForm:
    """The Billing page's form: the account's own limit, back to the Billing page."""
    return target_limit_form(account, target=ACCOUNT, back="billing")
