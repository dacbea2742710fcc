"""The Billing page's autopay form: dollars typed in, micro-dollars handed to services."""

from django import forms

from reporting.amounts import dollars, to_micros
from reporting.billing.values import MAX_AUTOPAY_THRESHOLD, MAX_TOP_UP, MIN_TOP_UP
from reporting.fields import dollars_field

__all__ = ["AutopayForm", "dollars_field"]


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
