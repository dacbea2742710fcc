"""Demo usage for `manage.py seed_demo`: a month of realistic usage for Acme Speech."""

from reporting.alerts.models import SpendAlert
from reporting.alerts.services import spend_alert_create
from reporting.amounts import MICROS_PER_DOLLAR
from reporting.billing.services import invoices_close_due
from reporting.limits.services import spend_limit_set
from reporting.usage.services import usage_aggregate
from reporting.usage.simulate import simulate

DEMO_EVENTS = 3000
# Far above a month of demo usage: the demo shows a limit without refusing anything.
DEMO_ACCOUNT_LIMIT = 5000 * MICROS_PER_DOLLAR


def seed(data) -> list[str]:
    account = data.accounts["acme"]
    # Fixed keys and seed: running the seed again records nothing new.
    result = simulate(accounts=[account], events=DEMO_EVENTS, days=30, key_prefix="demo", seed=2026)
    usage_aggregate()
    # Last month's invoice now, not at the next hourly run of the beat task.
    invoices = invoices_close_due()
    owner = account.owner
    spend_limit_set(account=account, actor=owner, amount_micros=DEMO_ACCOUNT_LIMIT)
    if not SpendAlert.objects.for_account(account).exists():
        spend_alert_create(
            account=account,
            actor=owner,
            scope=SpendAlert.Scope.ACCOUNT,
            basis=SpendAlert.Basis.LIMIT_PERCENT,
            thresholds=[50, 80, 100],
            on_limit_reached=True,
        )
    return [
        f"usage {len(result.created)} new demo events for {account.name} (Reporting page)",
        f"invoices {invoices} closed (Billing page)",
        f"limits a $5,000 monthly spend limit on {account.name}, alerted at 50/80/100 % "
        "(Spend limits and Alerts pages)",
    ]
