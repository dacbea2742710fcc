"""The plan table (SPEC "Plans and limits"): the one place that knows the numbers."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models

from accounts.errors import ServiceError


class PlanCode(models.TextChoices):
    FREE = "free", "Free"
    PAYG = "payg", "PAYG"
    CONTRACTED = "contracted", "Contracted"
    ENTERPRISE = "enterprise", "Enterprise"


class Resource(models.TextChoices):
    PROJECTS = "projects", "projects"
    API_KEYS = "api_keys", "API keys"
    MEMBERS = "members", "members"


class PlanHolder(Protocol):
    """What the plan table reads of an account (accounts.models.Account, which imports this)."""

    @property
    def plan(self) -> str: ...
    @property
    def custom_max_projects(self) -> int | None: ...
    @property
    def custom_max_api_keys(self) -> int | None: ...


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    limits: dict[Resource, int]
    # Bytes a project may hold in /v2 uploads that no transcript uses yet (413 past it).
    upload_quota_bytes: int
    # Resources whose limit support staff set per account (Enterprise); the
    # number in `limits` applies until they do.
    custom: frozenset[Resource] = frozenset()
    # Requests a minute that one admin key may make to the admin API (429 beyond).
    admin_api_per_minute: int = 60
    # Requests a minute that one project key may make to /v2 (429 beyond; C3).
    api_requests_per_minute: int = 120
    # Transcripts of the account that run at once; more wait `queued`, in order (C3).
    transcription_concurrency: int = 200


GIB = 1024**3

PLANS = {
    PlanCode.FREE: Plan(
        PlanCode.FREE,
        "Free",
        {Resource.PROJECTS: 2, Resource.API_KEYS: 2, Resource.MEMBERS: 2},
        upload_quota_bytes=1 * GIB,
        transcription_concurrency=5,
    ),
    PlanCode.PAYG: Plan(
        PlanCode.PAYG,
        "PAYG",
        {Resource.PROJECTS: 2, Resource.API_KEYS: 4, Resource.MEMBERS: 20},
        upload_quota_bytes=5 * GIB,
        admin_api_per_minute=120,
        api_requests_per_minute=600,
    ),
    PlanCode.CONTRACTED: Plan(
        PlanCode.CONTRACTED,
        "Contracted",
        {Resource.PROJECTS: 5, Resource.API_KEYS: 25, Resource.MEMBERS: 20},
        upload_quota_bytes=20 * GIB,
        admin_api_per_minute=600,
        api_requests_per_minute=1200,
    ),
    PlanCode.ENTERPRISE: Plan(
        PlanCode.ENTERPRISE,
        "Enterprise",
        {Resource.PROJECTS: 5, Resource.API_KEYS: 25, Resource.MEMBERS: 20},
        upload_quota_bytes=50 * GIB,
        custom=frozenset({Resource.PROJECTS, Resource.API_KEYS}),
        admin_api_per_minute=1200,
        api_requests_per_minute=3000,
    ),
}


def get_plan(code: str) -> Plan:
    return PLANS[PlanCode(code)]


def upload_quota_for(account: PlanHolder) -> int:
    """Bytes each of the account's projects may hold in uploads not yet transcribed."""
    return get_plan(account.plan).upload_quota_bytes


def limit_for(account: PlanHolder, resource: str) -> int:
    """The number of `resource` the account may hold under its plan."""
    plan = get_plan(account.plan)
    resource = Resource(resource)
    if resource in plan.custom:
        custom = {
            Resource.PROJECTS: account.custom_max_projects,
            Resource.API_KEYS: account.custom_max_api_keys,
        }[resource]
        if custom is not None:
            return custom
    return plan.limits[resource]


# What a person at the limit can do about it, said after the limit.
LIMIT_HINTS = {Resource.MEMBERS: "Delete a pending invite or remove a member to free a seat."}


class LimitReached(ServiceError):
    """Raised by services when a create would exceed the plan's limit."""

    def __init__(self, account: PlanHolder, resource: str, limit: int) -> None:
        self.account = account
        self.resource = Resource(resource)
        self.limit = limit
        hint = LIMIT_HINTS.get(self.resource)
        message = limit_message(account, resource, limit)
        super().__init__(f"{message} {hint}" if hint else message)


def limit_message(account: PlanHolder, resource: str, limit: int | None = None) -> str:
    resource = Resource(resource)
    if limit is None:
        limit = limit_for(account, resource)
    plan = get_plan(account.plan)
    return f"Your {plan.name} plan allows {limit} {resource.label}."


# How much of each resource an account holds is counted by the app that owns the
# resource (projects, API keys, seats), which registers its counter here from its
# AppConfig.ready(): accounts stays the ground floor and imports none of them.
_usage_counters: dict[Resource, Callable[[Any], int]] = {}


def register_usage_counter(resource: str, counter: Callable[[Any], int]) -> None:
    _usage_counters[Resource(resource)] = counter


def usage_of(account: PlanHolder, resource: str) -> int:
    """How many of `resource` the account holds now (0 when no app counts it)."""
    counter = _usage_counters.get(Resource(resource))
    return counter(account) if counter is not None else 0
