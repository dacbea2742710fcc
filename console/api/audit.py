"""The audit log (B1), newest first, filtered, cursor paginated, and as NDJSON."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from accounts.models import Account, AuditAction, AuditEvent
from accounts.permissions import Action
from console.api import pagination
from console.api.auth import acting
from console.api.schemas import AuditPage, FilterText
from console.api.statuses import errors

router = Router(tags=["audit"])

Since = Annotated[datetime | None, Query(None, description="Entries at or after this time.")]
Before = Annotated[datetime | None, Query(None, description="Entries before this time.")]
ActorFilter = Annotated[
    FilterText | None,
    Query(None, description="A member's email, or `admin key <name>`, exactly."),
]
ActionFilter = Annotated[FilterText | None, Query(None, description="An action code.")]
TargetType = Annotated[FilterText | None, Query(None, description="e.g. project, apikey.")]
TargetId = Annotated[FilterText | None, Query(None, description="The target's id.")]


def _moment(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError({name: "Choose a time between years 1 and 9999."}) from None


def _events(
    account: Account,
    *,
    start: datetime | None,
    end: datetime | None,
    actor: str | None,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
) -> QuerySet[AuditEvent]:
    # SECURITY: the key's own account's entries only.
    events = AuditEvent.objects.for_account(account)
    if (start := _moment("start", start)) is not None:
        events = events.filter(created_at__gte=start)
    if (end := _moment("end", end)) is not None:
        events = events.filter(created_at__lt=end)
    if actor:
        events = events.filter(actor_email__iexact=actor)
    if action:
        if action not in AuditAction.values:
            raise ValidationError({"action": f"Unknown action “{action}”."})
        events = events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    return events


def _event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "created_at": event.created_at,
        "actor": event.actor_email,
        "by_support": event.by_support,
        "action": event.action,
        "action_label": event.get_action_display(),
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "metadata": event.metadata or {},
    }


@router.get("/audit", response={200: AuditPage, **errors()}, summary="The audit log")
def audit_log(
    request: HttpRequest,
    start: Since = None,
    end: Before = None,
    actor: ActorFilter = None,
    action: ActionFilter = None,
    target_type: TargetType = None,
    target_id: TargetId = None,
    limit: pagination.Limit = 20,
    after: pagination.After = None,
) -> dict[str, object]:
    """Newest first; each entry names who (a member or an admin key), what and on what."""
    account, _actor = acting(request, Action.VIEW_AUDIT)
    events = _events(
        account,
        start=start,
        end=end,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
    )
    page, has_more, cursor = pagination.newest_first(events, limit=limit, after=after)
    return pagination.envelope([_event_out(e) for e in page], has_more, cursor)


@router.get(
    "/audit/export",
    response=errors(),
    summary="The audit log as NDJSON",
    openapi_extra={
        "responses": {
            "200": {
                "description": "One JSON object per line, newest first (the /audit fields).",
                "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            }
        }
    },
)
def audit_export(
    request: HttpRequest,
    start: Since = None,
    end: Before = None,
    actor: ActorFilter = None,
    action: ActionFilter = None,
    target_type: TargetType = None,
    target_id: TargetId = None,
) -> StreamingHttpResponse:
    """Every entry matching the filters, streamed, one JSON object a line."""
    account, _actor = acting(request, Action.VIEW_AUDIT)
    events = _events(
        account,
        start=start,
        end=end,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
    ).order_by("-created_at", "-pk")

    def lines() -> Iterator[str]:
        for event in events.iterator(chunk_size=500):
            yield json.dumps(_event_out(event), cls=DjangoJSONEncoder) + "\n"

    response = StreamingHttpResponse(lines(), content_type="application/x-ndjson")
    response["Content-Disposition"] = 'attachment; filename="audit-log.ndjson"'
    return response
