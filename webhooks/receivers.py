"""Events from the apps below, turned into deliveries (connected in WebhooksConfig.ready)."""

import logging
from typing import Any

from apikeys.models import ApiKey
from webhooks.services import event_publish
from webhooks.values import Event

logger = logging.getLogger(__name__)


def _publish(account, event: Event, data: dict[str, Any], text: str) -> None:
    try:
        event_publish(account=account, event=event, data=data, text=text)
    except Exception:
        # The change that announced the event is committed; a webhook problem must
        # not turn it into an error for whoever made it.
        logger.exception("Could not record the %s webhook event of account %s", event, account.pk)


def _split(data: dict[str, Any], fallback: str) -> tuple[dict[str, Any], str]:
    """The event's data without its readable line, and that line."""
    rest = {name: value for name, value in data.items() if name != "text"}
    return rest, str(data.get("text") or fallback)


def spend_alert(sender, *, account, data, **kwargs) -> None:
    rest, text = _split(data, f"A spend alert fired for {account.name}.")
    _publish(account, Event.SPEND_ALERT_FIRED, rest, text)


def spend_limit(sender, *, account, data, **kwargs) -> None:
    rest, text = _split(data, f"A spend limit of {account.name} was reached.")
    _publish(account, Event.SPEND_LIMIT_REACHED, rest, text)


def _key_data(api_key: ApiKey) -> dict[str, Any]:
    # SECURITY: what identifies the key, never its secret (which is not stored anyway).
    project = api_key.project
    return {
        "api_key": {
            "id": api_key.pk,
            "name": api_key.name,
            "prefix": api_key.prefix,
            "project": {"id": project.pk, "name": project.name},
            "expires_at": api_key.expires_at.isoformat() if api_key.expires_at else None,
        }
    }


def _key_text(api_key: ApiKey, what: str) -> str:
    when = f"{api_key.expires_at:%d %b %Y %H:%M} UTC" if api_key.expires_at else ""
    return (
        f"API key “{api_key.name}” ({api_key.prefix}…) of the project "
        f"{api_key.project.name} {what}{f', at {when}' if when else ''}."
    )


def key_expiring(sender, *, api_key: ApiKey, days_left: int, **kwargs) -> None:
    data = {**_key_data(api_key), "days_left": days_left}
    what = f"expires in {'1 day' if days_left == 1 else f'{days_left} days'}"
    _publish(api_key.project.account, Event.API_KEY_EXPIRING, data, _key_text(api_key, what))


def key_expired(sender, *, api_key: ApiKey, **kwargs) -> None:
    _publish(
        api_key.project.account,
        Event.API_KEY_EXPIRED,
        _key_data(api_key),
        _key_text(api_key, "has expired"),
    )
