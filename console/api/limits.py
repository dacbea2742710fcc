"""Spend limits (C1) on the account, its projects and its keys, through the limits' services."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from accounts.models import Account
from accounts.permissions import Action
from apikeys.models import ApiKey
from console.api.auth import acting
from console.api.schemas import Id, SpendLimitIn, SpendLimitList, SpendLimitOut
from console.api.statuses import errors
from projects.models import Project
from reporting.amounts import dollars, to_micros
from reporting.limits import selectors, services
from reporting.limits.selectors import LimitFigures

router = Router(tags=["spend limits"])


def _out(figures: LimitFigures) -> dict[str, object]:
    limit = figures.limit
    return {
        "id": limit.pk,
        "scope": limit.scope,
        "project_id": limit.project_id,
        "api_key_id": limit.api_key_id,
        "target": limit.target_label,
        "amount": dollars(limit.amount_micros),
        "spent": dollars(figures.spend.spent),
        "reserved": dollars(figures.spend.reserved),
        "remaining": dollars(figures.remaining),
        "updated_at": limit.updated_at,
    }


def _target(account: Account, project_id: int | None, key_id: int | None) -> dict[str, object]:
    """The service's project / api_key; another account's (or a deleted) one is a 404."""
    if project_id is None:
        return {}
    project = get_object_or_404(Project.objects.for_account(account), pk=project_id)
    if key_id is None:
        return {"project": project}
    return {"api_key": get_object_or_404(ApiKey.objects.for_project(project), pk=key_id)}


def _set(request: HttpRequest, payload: SpendLimitIn, **ids: int) -> dict[str, object]:
    account, actor = acting(request, Action.MANAGE_SPEND_LIMITS)
    target = _target(account, ids.get("project_id"), ids.get("key_id"))
    limit = services.spend_limit_set(
        account=account, actor=actor, amount_micros=to_micros(payload.amount), **target
    )
    return _out(LimitFigures(limit=limit, spend=selectors.spend_of(limit)))


def _clear(request: HttpRequest, **ids: int) -> Status[None]:
    """Clearing where there is no limit changes nothing (and is no error)."""
    account, actor = acting(request, Action.MANAGE_SPEND_LIMITS)
    target = _target(account, ids.get("project_id"), ids.get("key_id"))
    if selectors.live_limit(account=account, **target) is not None:
        services.spend_limit_clear(account=account, actor=actor, **target)
    return Status(204, None)


@router.get(
    "/spend-limits", response={200: SpendLimitList, **errors()}, summary="List spend limits"
)
def list_spend_limits(request: HttpRequest) -> dict[str, object]:
    """Every live limit with this month's spend, reservations and what remains."""
    account, _actor = acting(request, Action.VIEW)
    return {"data": [_out(f) for f in selectors.limits_with_spend(account=account)]}


@router.put(
    "/spend-limits/account",
    response={200: SpendLimitOut, **errors()},
    summary="Set the account's spend limit",
)
def set_account_spend_limit(request: HttpRequest, payload: SpendLimitIn) -> dict[str, object]:
    return _set(request, payload)


@router.delete(
    "/spend-limits/account",
    response={204: None, **errors()},
    summary="Clear the account's spend limit",
)
def clear_account_spend_limit(request: HttpRequest) -> Status[None]:
    return _clear(request)


@router.put(
    "/projects/{project_id}/spend-limit",
    response={200: SpendLimitOut, **errors()},
    summary="Set a project's spend limit",
)
def set_project_spend_limit(
    request: HttpRequest, project_id: Path[Id], payload: SpendLimitIn
) -> dict[str, object]:
    return _set(request, payload, project_id=project_id)


@router.delete(
    "/projects/{project_id}/spend-limit",
    response={204: None, **errors()},
    summary="Clear a project's spend limit",
)
def clear_project_spend_limit(request: HttpRequest, project_id: Path[Id]) -> Status[None]:
    return _clear(request, project_id=project_id)


@router.put(
    "/projects/{project_id}/keys/{key_id}/spend-limit",
    response={200: SpendLimitOut, **errors()},
    summary="Set an API key's spend limit",
)
def set_key_spend_limit(
    request: HttpRequest, project_id: Path[Id], key_id: Path[Id], payload: SpendLimitIn
) -> dict[str, object]:
    return _set(request, payload, project_id=project_id, key_id=key_id)


@router.delete(
    "/projects/{project_id}/keys/{key_id}/spend-limit",
    response={204: None, **errors()},
    summary="Clear an API key's spend limit",
)
def clear_key_spend_limit(
    request: HttpRequest, project_id: Path[Id], key_id: Path[Id]
) -> Status[None]:
    return _clear(request, project_id=project_id, key_id=key_id)
