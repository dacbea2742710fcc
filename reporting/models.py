"""Every model of the app, imported here so that Django's registry loads them.

Each subject keeps its models in its own package (app label "reporting" all the same).
"""

from accounts.sections import register_column, register_page_section
from reporting.alerts import receivers as alert_receivers
from reporting.alerts.models import SpendAlert, SpendAlertFiring
from reporting.billing.models import (
    AppendOnly,
    BillingSettings,
    Invoice,
    InvoiceLine,
    LedgerEntry,
)
from reporting.limits import receivers
from reporting.limits import views as limit_views
from reporting.limits.models import SpendLimit, SpendLimitNotice, SpendReservation
from reporting.signals import spend_limit_reached
from reporting.usage.models import (
    AggregationState,
    PendingUsage,
    StreamingSession,
    UsageEvent,
    UsageEventKey,
    UsageRollup,
    UsageRollupDaily,
)
from reporting.usage.signals import usage_recorded

# Spend limits keep their counters and settle reservations in the transaction
# that records usage. Connected here, once the models are loaded (reporting/
# imports nothing inside a function, AppConfig.ready included).
usage_recorded.connect(receivers.usage_recorded, dispatch_uid="reporting.limits.usage_recorded")
# Alerts asked to tell when a limit first refuses a request.
spend_limit_reached.connect(
    alert_receivers.alerts_on_limit_reached, dispatch_uid="reporting.alerts_on_limit_reached"
)
# The spend limits of keys and projects, on their own pages (the apps below import none of this).
register_column(
    "apikeys.list", "spend_limit", heading="Spend limit", render=limit_views.key_limit_cells
)
register_column(
    "projects.list", "spend_limit", heading="Spend limit", render=limit_views.project_limit_cells
)
register_page_section("apikeys.detail", "spend_limit", limit_views.key_limit_section)

__all__ = [
    "AggregationState",
    "AppendOnly",
    "BillingSettings",
    "Invoice",
    "InvoiceLine",
    "LedgerEntry",
    "PendingUsage",
    "SpendAlert",
    "SpendAlertFiring",
    "SpendLimit",
    "SpendLimitNotice",
    "SpendReservation",
    "StreamingSession",
    "UsageEvent",
    "UsageEventKey",
    "UsageRollup",
    "UsageRollupDaily",
]
