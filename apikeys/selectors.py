"""Reads of API keys shared by the keys pages: the list with its roll pairs, a key's history."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from accounts.models import Account, AuditAction, AuditEvent
from apikeys.models import ApiKey


def in_roll_order(keys: list[ApiKey]) -> list[ApiKey]:
    """Newest first, each rolled key right after its successor, so the list shows the pair.

    Sets `successor_in_list` on each key (its listed successor or None), without a query.
    """
    by_pk = {key.pk: key for key in keys}
    successors = {key.rolled_from_id: key for key in keys if key.rolled_from_id in by_pk}
    ordered: list[ApiKey] = []
    for key in keys:
        key.successor_in_list = successors.get(key.pk)  # type: ignore[attr-defined]
        if key.pk in successors:
            continue  # listed after its successor
        item: ApiKey | None = key
        while item is not None:
            ordered.append(item)
            item = by_pk.get(item.rolled_from_id) if item.rolled_from_id else None
    return ordered


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    label: str
    actor: str
    detail: str


def _detail(event: AuditEvent) -> str:
    data = event.metadata or {}
    action = event.action
    if action == AuditAction.APIKEY_CREATE:
        parts = [f"scope {data.get('scope', 'full')}"]
        if data.get("rolled_from"):
            parts.insert(0, f"rolled from {data['rolled_from']}…")
        if data.get("allowed_ips"):
            parts.append("allowed from " + ", ".join(data["allowed_ips"]))
        parts.append(f"expires {_when(data.get('expires_at'))}")
        return "; ".join(parts)
    if action == AuditAction.APIKEY_ROLL:
        return (
            f"successor {data.get('successor', '')}…; works until {_when(data.get('works_until'))}"
        )
    if action == AuditAction.APIKEY_SCOPE_CHANGE:
        return f"from {data.get('from')} to {data.get('to')}"
    if action == AuditAction.APIKEY_ALLOWLIST_CHANGE:
        before = ", ".join(data.get("from") or []) or "anywhere"
        after = ", ".join(data.get("to") or []) or "anywhere"
        return f"from {before} to {after}"
    if action == AuditAction.APIKEY_EXPIRE:
        return f"at {_when(data.get('expired_at'))}"
    return ""


def _when(iso: str | None) -> str:
    if not iso:
        return "never"
    moment = timezone.localtime(datetime.fromisoformat(iso))
    return f"{moment:%d %b %Y %H:%M} UTC"


def key_history(*, account: Account, api_key: ApiKey) -> list[HistoryEntry]:
    """The key's audit entries, oldest first (created, rolled, scope, allowlist, expiry)."""
    # SECURITY: the account's own audit log only.
    events = (
        AuditEvent.objects.for_account(account)
        .filter(target_type=ApiKey._meta.model_name, target_id=str(api_key.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return [
        HistoryEntry(
            at=event.created_at,
            label=event.get_action_display(),
            actor=event.actor_email or ("support" if event.by_support else "—"),
            detail=_detail(event),
        )
        for event in events
    ]
