"""Form fields shared by the reporting pages: dollars typed in, micro-dollars handed on."""

from decimal import Decimal

from django import forms

from reporting.amounts import dollars


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
