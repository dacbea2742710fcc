"""Spend alerts listen for a spend limit first refusing a request (C2)."""

from reporting.alerts.services import spend_limit_reached_alerts


def alerts_on_limit_reached(sender, *, account, data, **kwargs) -> None:
    spend_limit_reached_alerts(limit_id=data["limit_id"])
