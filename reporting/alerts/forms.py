"""The Alerts page's form: dollars typed in, micro-dollars handed to services."""

from decimal import Decimal

from django import forms

from accounts.models import Membership
from projects.models import Project
from reporting import pricing
from reporting.alerts.models import SpendAlert
from reporting.alerts.values import MAX_THRESHOLD, MIN_THRESHOLD
from reporting.amounts import MICROS_PER_DOLLAR, to_micros
from reporting.billing.forms import dollars_field


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
    threshold = dollars_field(
        "Monthly threshold (USD)",
        min_micros=MIN_THRESHOLD,
        max_micros=MAX_THRESHOLD,
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
            "threshold": Decimal(alert.threshold_micros) / MICROS_PER_DOLLAR,
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
            "threshold_micros": to_micros(data["threshold"]),
            "all_managers": data["notify"] == "managers",
            "recipients": list(data.get("recipients") or []),
        }
