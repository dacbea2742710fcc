"""Reads of the dashboard: what needs attention in an account, and a new account's first steps."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.mfa.selectors import members_without_mfa
from accounts.models import Account, AuditEvent, Membership, User
from accounts.permissions import Action, can
from accounts.plans import Resource
from apikeys.models import ApiKey
from members.models import Invitation
from projects.models import Project
from reporting.alerts.models import SpendAlert, SpendAlertFiring
from reporting.amounts import dollars, grouped
from reporting.billing.models import Invoice
from reporting.limits.selectors import limits_with_spend
from reporting.usage.models import UsageRollup
from transcripts.models import Transcript

# The tenant querysets' `for_account` (accounts.tenancy) is not annotated yet; the
# calls below are what this strictly typed module allows itself of it.
# mypy: disable-error-code="no-untyped-call"

# A key nobody used for this long is likely forgotten: a leak waiting to happen.
STALE_KEY_AGE = timedelta(days=90)
# A plan limit this full (or fuller) is announced before it refuses anything.
NEAR_LIMIT = 0.8
LIMIT_PAGES = {
    Resource.PROJECTS: "projects:list",
    Resource.API_KEYS: "apikeys:list",
    Resource.MEMBERS: "members:list",
}


@dataclass(frozen=True)
class Attention:
    """One thing to look at, and the page where it is fixed."""

    key: str  # a stable name, for tests and the element's id
    level: str  # "danger" or "warn"
    text: str
    url: str
    action: str  # the link's words


def _month_start(now: datetime) -> date:
    return now.date().replace(day=1)


def _mfa_items(account: Account) -> list[Attention]:
    without = list(members_without_mfa(account))
    if not without:
        return []
    if account.require_mfa:
        # They can use nothing of the account until enrolled (A6).
        count = len(without)
        return [
            Attention(
                key="mfa-required",
                level="danger",
                text=(
                    f"{count:,} member{'s' if count != 1 else ''} without MFA, which "
                    f"{account.name} requires: they can use nothing here until they set it up."
                ),
                url=reverse("members:list"),
                action="See who",
            )
        ]
    # Not required: advisable for those who can change things (Owners and Admins).
    managers = [m for m in without if can(m, Action.MANAGE_SETTINGS)]
    if not managers:
        return []
    count = len(managers)
    return [
        Attention(
            key="mfa-advisable",
            level="warn",
            text=(
                f"{count:,} Owner{'s' if count != 1 else ''} or Admin{'s' if count != 1 else ''} "
                "without MFA. Consider requiring MFA for all members."
            ),
            url=reverse("accounts:settings") + "#require-mfa",
            action="Review MFA",
        )
    ]


def stale_keys(account: Account, *, now: datetime) -> list[ApiKey]:
    """Working keys unused (or never used) for `STALE_KEY_AGE`."""
    before = now - STALE_KEY_AGE
    return list(
        ApiKey.objects.for_account(account)
        .filter(Q(last_used_at__lt=before) | Q(last_used_at__isnull=True, created_at__lt=before))
        .select_related("project")
        .order_by("last_used_at", "created_at")
    )


def _key_items(account: Account, *, now: datetime) -> list[Attention]:
    keys = stale_keys(account, now=now)
    if not keys:
        return []
    names = ", ".join(k.name for k in keys[:3]) + (" and more" if len(keys) > 3 else "")
    count = len(keys)
    return [
        Attention(
            key="stale-keys",
            level="warn",
            text=(
                f"{count:,} API key{'s' if count != 1 else ''} unused for "
                f"{STALE_KEY_AGE.days} days ({names}): delete what nothing uses."
            ),
            url=reverse("apikeys:list"),
            action="Review keys",
        )
    ]


def _alert_items(account: Account, *, now: datetime) -> list[Attention]:
    # SECURITY: firings of the account's own alerts only.
    fired = (
        SpendAlertFiring.objects.filter(
            alert__in=SpendAlert.objects.for_account(account), period=_month_start(now)
        )
        .values("alert")
        .distinct()
        .count()
    )
    if not fired:
        return []
    return [
        Attention(
            key="alerts-fired",
            level="warn",
            text=f"{fired:,} spend alert{'s' if fired != 1 else ''} fired this month.",
            url=reverse("reporting:alerts"),
            action="See alerts",
        )
    ]


def _limit_items(account: Account) -> list[Attention]:
    items = []
    for resource, used, limit in account.limits_in_use():
        if limit <= 0 or used < limit * NEAR_LIMIT:
            continue
        full = used >= limit
        label = Resource(resource).label
        items.append(
            Attention(
                key=f"limit-{Resource(resource).value}",
                level="danger" if full else "warn",
                text=(
                    f"{used:,} of {limit:,} {label} on the {account.plan_info.name} plan"
                    + (": the limit is reached." if full else ": close to the limit.")
                ),
                url=reverse(LIMIT_PAGES[Resource(resource)]),
                action="Manage",
            )
        )
    return items


def spend_limit_items(account: Account, *, now: datetime) -> list[Attention]:
    """Limits above NEAR_LIMIT of their month (SPEC C1): reached ones refuse work now."""
    items = []
    for row in limits_with_spend(account=account, now=now):
        limit = row.limit
        if row.spend.total < limit.amount_micros * NEAR_LIMIT:
            continue
        amount = grouped(dollars(limit.amount_micros))
        items.append(
            Attention(
                key=f"spend-limit-{limit.pk}",
                level="danger" if row.reached else "warn",
                text=(
                    f"${grouped(dollars(row.spend.total))} of the ${amount} monthly spend "
                    f"limit for {limit.target_label}"
                    + (
                        ": reached, requests it covers are refused."
                        if row.reached
                        else ": close to the limit."
                    )
                ),
                url=reverse("reporting:limits"),
                action="Spend limits",
            )
        )
    return items


def needs_attention(account: Account, *, now: datetime | None = None) -> list[Attention]:
    """What an account's people should look at, most urgent first; each links to its fix."""
    now = now or timezone.now()
    items = (
        _mfa_items(account)
        + _limit_items(account)
        + spend_limit_items(account, now=now)
        + _alert_items(account, now=now)
        + _key_items(account, now=now)
    )
    return sorted(items, key=lambda item: item.level != "danger")


@dataclass(frozen=True)
class FirstSteps:
    """A new account's getting-started checklist; shown until every step is done."""

    has_project: bool
    has_key: bool
    has_usage: bool
    has_teammate: bool
    key_prefix: str  # the newest working key's prefix, for the SDK snippet

    @property
    def done(self) -> bool:
        return self.has_project and self.has_key and self.has_usage and self.has_teammate

    @property
    def steps_done(self) -> int:
        return sum((self.has_project, self.has_key, self.has_usage, self.has_teammate))


def first_steps(account: Account) -> FirstSteps:
    """Which first steps the account has taken (deleted projects and keys count: done once)."""
    projects = Project.objects.for_account_with_deleted(account)
    # SECURITY: keys through the account's projects, deleted ones too (a step once taken).
    keys = ApiKey.objects.filter(project__in=projects)
    newest = ApiKey.objects.for_account(account).order_by("-created_at", "-id").first()
    return FirstSteps(
        has_project=projects.exists(),
        has_key=keys.exists(),
        # The first SDK request: a key used, or usage recorded.
        has_usage=keys.filter(last_used_at__isnull=False).exists()
        or UsageRollup.objects.for_account(account).exists(),
        has_teammate=Membership.objects.for_account(account).count() > 1
        or Invitation.objects.for_account(account).exists(),
        key_prefix=newest.prefix if newest else "",
    )


# Friendly 404s ----------------------------------------------------------------


@dataclass(frozen=True)
class NotHere:
    """Why an object a link names is not in the current account, when the user may know.

    `gone`: it was deleted (when, by whom); `elsewhere`: it lives in another of the
    user's accounts, which they can switch to.
    """

    kind: str  # "gone" or "elsewhere"
    noun: str  # "project", "API key"...
    label: str
    account: Account
    when: datetime | None = None
    by: str = ""


# The URL name -> (noun, the URL's argument, model name in the audit log, deletion action).
OBJECT_URLS: dict[str, tuple[str, str, str, str]] = {
    "projects:rename": ("project", "pk", "project", "project.delete"),
    "projects:delete": ("project", "pk", "project", "project.delete"),
    "transcripts:list": ("project", "project_id", "project", "project.delete"),
    "transcripts:create": ("project", "project_id", "project", "project.delete"),
    "transcripts:detail": ("transcript", "transcript_id", "transcript", "transcript.delete"),
    "transcripts:delete": ("transcript", "transcript_id", "transcript", "transcript.delete"),
    "apikeys:detail": ("API key", "pk", "apikey", "apikey.delete"),
    "apikeys:update": ("API key", "pk", "apikey", "apikey.delete"),
    "apikeys:roll": ("API key", "pk", "apikey", "apikey.delete"),
    "apikeys:delete": ("API key", "pk", "apikey", "apikey.delete"),
    "reporting:invoice": ("invoice", "pk", "invoice", ""),
    "reporting:invoice_print": ("invoice", "pk", "invoice", ""),
    "reporting:alert_edit": ("spend alert", "pk", "spendalert", "alert.delete"),
    "reporting:alert_delete": ("spend alert", "pk", "spendalert", "alert.delete"),
}


def _live_object(model_name: str, account: Account, pk: object) -> object | None:
    """The live object of that kind and id in `account`, or None."""
    queryset: Any
    if model_name == "project":
        queryset = Project.objects.for_account(account)
    elif model_name == "apikey":
        queryset = ApiKey.objects.for_account(account)
    elif model_name == "transcript":
        queryset = Transcript.objects.for_account(account)
    elif model_name == "invoice":
        queryset = Invoice.objects.for_account(account)
    else:
        queryset = SpendAlert.objects.for_account(account)
    found: object | None = queryset.filter(pk=pk).first()
    return found


def _soft_deleted(model_name: str, account: Account, pk: str) -> tuple[str, datetime] | None:
    """(name, when) of a project, or a key, deleted without its own audit entry (a key
    goes with its project)."""
    if not pk.isdigit():
        return None
    # SECURITY: within the account's projects, deleted ones included.
    projects = Project.objects.for_account_with_deleted(account)
    if model_name == "project":
        project = projects.filter(pk=pk, deleted_at__isnull=False).first()
        return (project.name, project.deleted_at) if project and project.deleted_at else None
    if model_name == "apikey":
        key = (
            ApiKey.objects.filter(project__in=projects, pk=pk)
            .filter(Q(deleted_at__isnull=False) | Q(project__deleted_at__isnull=False))
            .select_related("project")
            .first()
        )
        if key is not None:
            when = key.deleted_at or key.project.deleted_at
            if when is not None:
                return key.name, when
    return None


def not_here(
    *, user: User, current: Account | None, view_name: str, kwargs: dict[str, Any]
) -> NotHere | None:
    """Whether the object a 404 was about is gone or in another of the user's accounts.

    SECURITY: only the accounts `user` is a member of are searched, so nobody learns
    anything of an account they do not belong to: there the answer is None, the plain
    404, exactly as for an id that never existed.
    """
    if view_name not in OBJECT_URLS:
        return None
    noun, argument, model_name, deletion = OBJECT_URLS[view_name]
    if argument not in kwargs:
        return None
    pk = str(kwargs[argument])
    memberships = list(
        Membership.objects.filter(user=user).select_related("account").order_by("pk")
    )
    # The current account first: a deleted object here is news of this account.
    memberships.sort(key=lambda m: current is None or m.account_id != current.pk)
    for membership in memberships:
        account = membership.account
        if deletion:
            deleted = (
                AuditEvent.objects.for_account(account)
                .filter(action=deletion, target_type=model_name, target_id=pk)
                .first()
            )
            if deleted is not None:
                return NotHere(
                    kind="gone",
                    noun=noun,
                    label=deleted.target_label,
                    account=account,
                    when=deleted.created_at,
                    # Who deleted it is the audit log's to tell: Owners and Admins only.
                    by=deleted.actor_email if can(membership, Action.VIEW_AUDIT) else "",
                )
        soft = _soft_deleted(model_name, account, pk)
        if soft is not None:
            return NotHere(kind="gone", noun=noun, label=soft[0], account=account, when=soft[1])
        if current is not None and account.pk == current.pk:
            continue
        found = _live_object(model_name, account, pk)
        if found is not None:
            return NotHere(kind="elsewhere", noun=noun, label=str(found), account=account)
    return None
