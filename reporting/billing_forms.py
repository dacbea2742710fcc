"""Forms of the Billing and Alerts pages: dollars typed in, micro-dollars handed to services."""

from decimal import Decimal

from django import forms

from accounts.models import Membership
from reporting import alerts, billing, pricing
from reporting.models import SpendAlert


def to_micros(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * pricing.MICROS_PER_DOLLAR)


def _dollars_field(label, *, min_micros, max_micros, required=True, help_text=""):
    low, high = pricing.dollars(min_micros), pricing.dollars(max_micros)
    message = f"Enter an amount between ${low} and ${high}, in dollars and cents."
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(low),
        max_value=Decimal(high),
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "required": "Enter an amount in dollars.",
            "invalid": "Enter an amount in dollars, such as 25 or 25.50.",
            "min_value": message,
            "max_value": message,
            "max_digits": message,
            "max_decimal_places": "Use at most two decimals (cents).",
            "max_whole_digits": message,
        },
    )


class AutopayForm(forms.Form):
    autopay_enabled = forms.BooleanField(label="Autopay on", required=False)
    threshold = _dollars_field(
        "Top up when the balance falls below (USD)",
        min_micros=0,
        max_micros=billing.MAX_AUTOPAY_THRESHOLD,
    )
    amount = _dollars_field(
        "Top-up amount (USD)",
        min_micros=0,
        max_micros=billing.MAX_TOP_UP,
        required=False,
        help_text=f"At least ${pricing.dollars(billing.MIN_TOP_UP)} when autopay is on.",
    )

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        too_small = amount is None or to_micros(amount) < billing.MIN_TOP_UP
        if data.get("autopay_enabled") and "amount" not in self.errors and too_small:
            self.add_error(
                "amount",
                f"Enter a top-up amount of at least ${pricing.dollars(billing.MIN_TOP_UP)} "
                "to turn autopay on.",
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "autopay_enabled": data["autopay_enabled"],
            "threshold_micros": to_micros(data["threshold"]),
            "amount_micros": to_micros(data.get("amount")),
        }


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
    threshold = _dollars_field(
        "Monthly threshold (USD)",
        min_micros=alerts.MIN_THRESHOLD,
        max_micros=alerts.MAX_THRESHOLD,
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
        from projects.models import Project

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
            "threshold": Decimal(alert.threshold_micros) / pricing.MICROS_PER_DOLLAR,
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
