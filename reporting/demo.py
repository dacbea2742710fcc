"""Demo usage for `manage.py seed_demo`: a month of realistic usage for Acme Speech."""

from reporting.billing.services import invoices_close_due
from reporting.usage.services import usage_aggregate
from reporting.usage.simulate import simulate

DEMO_EVENTS = 3000


def seed(data) -> list[str]:
    account = data.accounts["acme"]
    # Fixed keys and seed: running the seed again records nothing new.
    result = simulate(accounts=[account], events=DEMO_EVENTS, days=30, key_prefix="demo", seed=2026)
    usage_aggregate()
    # Last month's invoice now, not at the next hourly run of the beat task.
    invoices = invoices_close_due()
    return [
        f"usage {len(result.created)} new demo events for {account.name} (Reporting page)",
        f"invoices {invoices} closed (Billing page)",
    ]
