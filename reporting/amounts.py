"""Amounts of money and audio under usage, billing and alerts, and the one rule that rounds them.

Money is integer micro-dollars (1 USD = 1,000,000) and audio whole seconds
everywhere; they are rounded for people here and nowhere else, in Decimal,
half up. The Reporting page, its CSV, invoices, alerts and the ledger's
display all go through these functions, so they show the same figures.
"""

from decimal import ROUND_HALF_UP, Decimal

MICROS_PER_DOLLAR = 1_000_000
MICROS_PER_CENT = 10_000
SECONDS_PER_HOUR = 3600


def cents(micros: int) -> int:
    """Whole cents, half up (away from zero): the one place money is rounded.

    Reports, invoices, alerts and the ledger's display all round through here,
    so an invoice's total and the Reporting page's total for its month agree.
    """
    return int((Decimal(micros) / MICROS_PER_CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dollars(micros: int) -> str:
    """Micro-dollars as a dollar amount with two decimals ("1234.57")."""
    return str((Decimal(cents(micros)) / 100).quantize(Decimal("0.01")))


def hours(seconds: int) -> str:
    """Seconds of audio as hours with two decimals, half up ("0.02" for 54 s)."""
    return str((Decimal(seconds) / SECONDS_PER_HOUR).quantize(Decimal("0.01"), ROUND_HALF_UP))


def to_micros(amount: Decimal | None) -> int:
    """Dollars typed in a form (at most two decimals) as micro-dollars; None is 0."""
    return int((amount or Decimal(0)) * MICROS_PER_DOLLAR)


def grouped(number: int | str) -> str:
    """Thousands separated for people, the figure unchanged: 2182599 -> "2,182,599",
    "1234.57" -> "1,234.57". Rounding stays with the functions above."""
    text = str(number)
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, point, fraction = text.partition(".")
    if not whole.isdigit():
        return str(number)
    return f"{sign}{int(whole):,}{point}{fraction}"
