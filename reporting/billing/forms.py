"""The Billing page's autopay form: dollars typed in, micro-dollars handed to services."""

from decimal import Decimal

from django import forms

from reporting.amounts import dollars, to_micros
from reporting.billing.values import MAX_AUTOPAY_THRESHOLD, MAX_TOP_UP, MIN_TOP_UP


def dollars_field(label, *, min_micros, max_micros, required=True, help_text=""):
    """A dollars-and-cents input between two amounts in micro-dollars."""
    low, high = dollars(min_micros), dollars(max_micros)
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
    threshold = dollars_field(
        "Top up when the balance falls below (USD)",
        min_micros=0,
        max_micros=MAX_AUTOPAY_THRESHOLD,
    )
    amount = dollars_field(
        "Top-up amount (USD)",
        min_micros=0,
        max_micros=MAX_TOP_UP,
        required=False,
        help_text=f"At least ${dollars(MIN_TOP_UP)} when autopay is on.",
    )

    def clean(self):
        data = super().clean()
        amount = data.get("amount")
        too_small = amount is None or to_micros(amount) < MIN_TOP_UP
        if data.get("autopay_enabled") and "amount" not in self.errors and too_small:
            self.add_error(
                "amount",
                f"Enter a top-up amount of at least ${dollars(MIN_TOP_UP)} to turn autopay on.",
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "autopay_enabled": data["autopay_enabled"],
            "threshold_micros": to_micros(data["threshold"]),
            "amount_micros": to_micros(data.get("amount")),
        }
