"""Key lifetimes (K5) and roll overlaps (K6): the choices people pick from."""

from datetime import UTC, date, datetime, time, timedelta

# Offered on create and as the account's maximum lifetime.
LIFETIME_DAYS = (7, 30, 90, 365)
# How long a rolled key keeps working beside its successor.
OVERLAPS = {
    "now": ("Now", timedelta(0)),
    "1h": ("1 hour", timedelta(hours=1)),
    "24h": ("24 hours", timedelta(hours=24)),
    "7d": ("7 days", timedelta(days=7)),
}
DEFAULT_OVERLAP = "24h"
# Notices before expiry, days ahead, in the order they are sent.
NOTICE_DAYS = (7, 1)


def start_of(day: date) -> datetime:
    """A key "expiring on" a date stops working as that date begins (UTC)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def lifetime_label(days: int | None) -> str:
    if days is None:
        return "No maximum"
    return "1 year" if days == 365 else f"{days} days"
