"""Money in templates: micro-dollars shown as dollars, rounded by `pricing.cents` only."""

from django import template

from reporting import pricing

register = template.Library()


@register.filter
def dollars(micros) -> str:
    """1234567 -> "$1.23"; negative amounts as "-$1.23"."""
    if micros is None or micros == "":
        return ""
    micros = int(micros)
    text = pricing.dollars(abs(micros))
    return f"-${text}" if pricing.cents(micros) < 0 else f"${text}"


@register.filter
def cents_as_dollars(cents) -> str:
    return dollars(int(cents) * pricing.MICROS_PER_CENT)


@register.filter
def hours(seconds) -> str:
    return f"{int(seconds or 0) / 3600:,.2f}"
