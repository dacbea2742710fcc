"""Helpers of the webhooks tests: endpoints made through the service."""

from webhooks.services import SUBSCRIBABLE, webhook_endpoint_create

ALL_EVENTS = [event.value for event in SUBSCRIBABLE]
# A public address given literally: creating with it asks no DNS server.
PUBLIC_URL = "https://1.1.1.1/hooks/console"


def make_endpoint(team, url=PUBLIC_URL, *, events=ALL_EVENTS, account=None, actor=None, **fields):
    """A new endpoint of the team's account (or `account`); returns (endpoint, secret)."""
    made = webhook_endpoint_create(
        account=account or team.account,
        actor=actor or team.admin,
        url=url,
        events=events,
        **fields,
    )
    return made.endpoint, made.secret
