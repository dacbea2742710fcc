"""Projects and their API keys (P1, P4, K1-K4) through the console's services."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from accounts.models import Account
from accounts.permissions import Action
from apikeys import services as key_services
from apikeys.expiry import OVERLAPS
from apikeys.models import ApiKey
from console.api import pagination
from console.api.auth import acting
from console.api.schemas import (
    ApiKeyChange,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    ApiKeyPage,
    ApiKeyRoll,
    Id,
    ProjectIn,
    ProjectOut,
    ProjectPage,
)
from console.api.statuses import errors
from projects import services as project_services
from projects.models import Project

router = Router(tags=["projects"])


def _project(account: Account, project_id: int) -> Project:
    # SECURITY: another account's project, or a deleted one, is a 404.
    return get_object_or_404(Project.objects.for_account(account), pk=project_id)


def _key_out(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.pk,
        "project_id": key.project_id,
        "name": key.name,
        "prefix": key.prefix,
        "created_at": key.created_at,
        "created_by": key.created_by_email,
        "last_used_at": key.last_used_at,
        "expires_at": key.expires_at,
        "scope": key.scope,
        "allowed_ips": list(key.allowed_ips),
    }


@router.get("/projects", response={200: ProjectPage, **errors()}, summary="List projects")
def list_projects(
    request: HttpRequest, limit: pagination.Limit = 20, after: pagination.After = None
) -> dict[str, object]:
    account, _actor = acting(request, Action.VIEW)
    return pagination.envelope(
        *pagination.by_id(Project.objects.for_account(account), limit=limit, after=after)
    )


@router.post("/projects", response={201: ProjectOut, **errors()}, summary="Create a project")
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[Project]:
    """Within the plan's project limit (409 `limit_reached` at it)."""
    account, actor = acting(request, Action.MANAGE_PROJECTS)
    return Status(
        201, project_services.project_create(account=account, actor=actor, name=payload.name)
    )


@router.get(
    "/projects/{project_id}", response={200: ProjectOut, **errors()}, summary="Get a project"
)
def get_project(request: HttpRequest, project_id: Path[Id]) -> Project:
    account, _actor = acting(request, Action.VIEW)
    return _project(account, project_id)


@router.patch(
    "/projects/{project_id}", response={200: ProjectOut, **errors()}, summary="Rename a project"
)
def rename_project(request: HttpRequest, project_id: Path[Id], payload: ProjectIn) -> Project:
    account, actor = acting(request, Action.MANAGE_PROJECTS)
    project = _project(account, project_id)
    return project_services.project_rename(
        account=account, actor=actor, project=project, name=payload.name
    )


@router.delete(
    "/projects/{project_id}", response={204: None, **errors()}, summary="Delete a project"
)
def delete_project(request: HttpRequest, project_id: Path[Id]) -> Status[None]:
    """Its keys stop working at once; its usage history stays in reports (P4)."""
    account, actor = acting(request, Action.MANAGE_PROJECTS)
    project = _project(account, project_id)
    project_services.project_delete(account=account, actor=actor, project=project)
    return Status(204, None)


@router.get(
    "/projects/{project_id}/keys",
    response={200: ApiKeyPage, **errors()},
    summary="List a project's API keys",
)
def list_keys(
    request: HttpRequest,
    project_id: Path[Id],
    limit: pagination.Limit = 20,
    after: pagination.After = None,
) -> dict[str, object]:
    account, _actor = acting(request, Action.VIEW)
    project = _project(account, project_id)
    page, has_more, cursor = pagination.by_id(
        ApiKey.objects.for_project(project), limit=limit, after=after
    )
    return pagination.envelope([_key_out(key) for key in page], has_more, cursor)


@router.post(
    "/projects/{project_id}/keys",
    response={201: ApiKeyCreated, **errors()},
    summary="Create an API key",
)
def create_key(
    request: HttpRequest, project_id: Path[Id], payload: ApiKeyIn
) -> Status[dict[str, object]]:
    """The secret is in this response only (K2); within the plan's key limit."""
    account, actor = acting(request, Action.MANAGE_API_KEYS)
    project = _project(account, project_id)
    issued = key_services.apikey_create(
        account=account,
        actor=actor,
        project=project,
        name=payload.name,
        expires_at=payload.expires_at,
        scope=payload.scope,
        allowed_ips=payload.allowed_ips,
    )
    return Status(201, {**_key_out(issued.api_key), "secret": issued.secret})


def _key(account: Account, project_id: int, key_id: int) -> ApiKey:
    # SECURITY: the key is found through the account's project; anything else is a 404.
    return get_object_or_404(ApiKey.objects.for_project(_project(account, project_id)), pk=key_id)


@router.patch(
    "/projects/{project_id}/keys/{key_id}",
    response={200: ApiKeyOut, **errors()},
    summary="Change an API key's scope or IP allowlist",
)
def update_key(
    request: HttpRequest, project_id: Path[Id], key_id: Path[Id], payload: ApiKeyChange
) -> dict[str, object]:
    """Each change is its own audit entry (K7)."""
    account, actor = acting(request, Action.MANAGE_API_KEYS)
    api_key = _key(account, project_id, key_id)
    updated = key_services.apikey_update(
        account=account,
        actor=actor,
        api_key=api_key,
        scope=payload.scope if payload.scope is not None else api_key.scope,
        allowed_ips=(
            payload.allowed_ips if payload.allowed_ips is not None else list(api_key.allowed_ips)
        ),
    )
    return _key_out(updated)


@router.post(
    "/projects/{project_id}/keys/{key_id}/roll",
    response={201: ApiKeyCreated, **errors()},
    summary="Roll an API key",
)
def roll_key(
    request: HttpRequest, project_id: Path[Id], key_id: Path[Id], payload: ApiKeyRoll
) -> Status[dict[str, object]]:
    """The successor's secret is in this response only; the old key works for `overlap` (K6)."""
    account, actor = acting(request, Action.MANAGE_API_KEYS)
    api_key = _key(account, project_id, key_id)
    issued = key_services.apikey_roll(
        account=account, actor=actor, api_key=api_key, overlap=OVERLAPS[payload.overlap][1]
    )
    return Status(201, {**_key_out(issued.api_key), "secret": issued.secret})


@router.delete(
    "/projects/{project_id}/keys/{key_id}",
    response={204: None, **errors()},
    summary="Delete an API key",
)
def delete_key(request: HttpRequest, project_id: Path[Id], key_id: Path[Id]) -> Status[None]:
    """The key stops authenticating with the next request (K3)."""
    account, actor = acting(request, Action.MANAGE_API_KEYS)
    project = _project(account, project_id)
    # SECURITY: the key is found through the account's project.
    api_key = get_object_or_404(ApiKey.objects.for_project(project), pk=key_id)
    key_services.apikey_delete(account=account, actor=actor, api_key=api_key)
    return Status(204, None)
