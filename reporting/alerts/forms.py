"""The Alerts page's form: thresholds typed in a line, micro-dollars or percents handed to services."""

import re
from decimal import Decimal, InvalidOperation

from django import forms

from accounts.models import Membership
from projects.models import Project
from reporting import pricing
from reporting.alerts.models import SpendAlert
from reporting.alerts.values import MAX_THRESHOLDS_PER_ALERT
from reporting.amounts import dollars, to_micros

THRESHOLDS_HELP = (
    f"Up to {MAX_THRESHOLDS_PER_ALERT}, lowest first, separated by commas: dollars "
    "(50, 100, 250.50) or percents of the spend limit (50, 80, 100). Each emails once a month."
)


def parse_thresholds(text: str, basis: str) -> list[int]:
    """ "50, 80, 100" as the service's values: micro-dollars, or whole percents."""
    items = [item for item in re.split(r"[,;\s]+", text.replace("$", "").replace("%", "")) if item]
    if not items:
        raise forms.ValidationError("Enter at least one threshold.")
    values = []
    for item in items:
        try:
            amount = Decimal(item)
        except InvalidOperation:
            raise forms.ValidationError(f"“{item[:20]}” is not a number.") from None
        if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise forms.ValidationError(f"“{item[:20]}” has more than two decimals.")
        if basis == SpendAlert.Basis.LIMIT_PERCENT:
            if amount != amount.to_integral_value():
                raise forms.ValidationError("Enter percents as whole numbers, such as 50, 80, 100.")
            values.append(int(amount))
        else:
            values.append(to_micros(amount))
    return values


def thresholds_text(alert: SpendAlert) -> str:
    if alert.basis == SpendAlert.Basis.LIMIT_PERCENT:
        return ", ".join(str(value) for value in alert.thresholds)
    return ", ".join(dollars(value) for value in alert.thresholds)


class SpendAlertForm(forms.Form):
    scope = forms.ChoiceField(
        label="Watch",
        choices=SpendAlert.Scope.choices,
        initial=SpendAlert.Scope.ACCOUNT,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose the whole account, one product or one project."},
    )
    product = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Choose a product")]
        + [(n, pricing.PRODUCT_LABELS[code]) for code, n in pricing.PRODUCT_IDS.items()],
        error_messages={"invalid_choice": "Choose one of the products listed."},
    )
    project = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Choose a project",
        # Another account's project is "not one of yours", like one that does not exist.
        error_messages={"invalid_choice": "Choose one of this account's projects."},
    )
    basis = forms.ChoiceField(
        label="Thresholds in",
        choices=SpendAlert.Basis.choices,
        initial=SpendAlert.Basis.AMOUNT,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose dollars or percents of the spend limit."},
    )
    thresholds = forms.CharField(
        label="Monthly thresholds",
        max_length=200,
        help_text=THRESHOLDS_HELP,
        error_messages={"required": "Enter at least one threshold."},
    )
    on_limit_reached = forms.BooleanField(
        label="Also email when a spend limit on what it watches first refuses a request",
        required=False,
    )
    kind = forms.ChoiceField(
        label="Fire",
        choices=SpendAlert.Kind.choices,
        initial=SpendAlert.Kind.THRESHOLD,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose when the alert fires."},
    )
    notify = forms.ChoiceField(
        label="Email",
        choices=[
            ("managers", "All Owners and Admins"),
            ("chosen", "Only the members chosen below"),
        ],
        initial="managers",
        widget=forms.RadioSelect,
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Recipients must be members of this account."},
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        # SECURITY: both lists start from the account: anything else is an invalid choice.
        self.fields["project"].queryset = Project.objects.for_account(account)
        self.fields["recipients"].queryset = (
            Membership.objects.for_account(account).select_related("user").order_by("user__email")
        )
        self.fields["recipients"].label_from_instance = lambda m: (
            f"{m.user.email} ({m.get_role_display()})"
        )

    @classmethod
    def initial_for(cls, alert: SpendAlert) -> dict:
        return {
            "scope": alert.scope,
            "product": alert.product,
            "project": alert.project_id,
            "basis": alert.basis,
            "thresholds": thresholds_text(alert),
            "on_limit_reached": alert.on_limit_reached,
            "kind": alert.kind,
            "notify": "managers" if alert.all_managers else "chosen",
            "recipients": [m.pk for m in alert.recipients.all()],
        }

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if (
            scope == SpendAlert.Scope.PRODUCT
            and not data.get("product")
            and "product" not in self.errors
        ):
            self.add_error("product", "Choose the product this alert watches.")
        if (
            scope == SpendAlert.Scope.PROJECT
            and not data.get("project")
            and "project" not in self.errors
        ):
            self.add_error("project", "Choose one of this account's projects.")
        if data.get("basis") and "thresholds" in data:
            try:
                data["thresholds"] = parse_thresholds(data["thresholds"], data["basis"])
            except forms.ValidationError as error:
                self.add_error("thresholds", error)
        if (
            data.get("notify") == "chosen"
            and not data.get("recipients")
            and "recipients" not in self.errors
        ):
            self.add_error(
                "recipients", "Choose at least one member, or email all Owners and Admins."
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "scope": data["scope"],
            "product": data.get("product"),
            "project": data.get("project"),
            "kind": data["kind"],
            "basis": data["basis"],
            "thresholds": data["thresholds"],
            "on_limit_reached": data.get("on_limit_reached", False),
            "all_managers": data["notify"] == "managers",
            "recipients": list(data.get("recipients") or []),
        }
