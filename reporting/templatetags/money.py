"""Money and audio in templates, rounded by `reporting.amounts` only (as the Reporting page and CSV)."""

from django import template

from reporting import amounts

register = template.Library()


@register.filter
def dollars(micros) -> str:
    """1234567 -> "$1.23", 1234567890 -> "$1,234.57"; negative amounts as "-$1.23"."""
    if micros is None or micros == "":
        return ""
    micros = int(micros)
    text = amounts.grouped(amounts.dollars(abs(micros)))
    return f"-${text}" if amounts.cents(micros) < 0 else f"${text}"


@register.filter
def cents_as_dollars(cents) -> str:
    return dollars(int(cents) * amounts.MICROS_PER_CENT)


@register.filter
def hours(seconds) -> str:
    """3600 -> "1.00", 36000000 -> "10,000.00"; half up, as on the Reporting page."""
    return amounts.grouped(amounts.hours(int(seconds or 0)))


@register.filter
def thousands(number) -> str:
    """A count for people: 2182599 -> "2,182,599"."""
    if number is None or number == "":
        return ""
    return amounts.grouped(number)
