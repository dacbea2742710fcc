"""Spend limits, the reservations held against them, and the monthly "limit reached" notices (C1)."""

import uuid
from typing import Self

from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantQuerySet


class SpendLimitQuerySet(TenantQuerySet["SpendLimit"]):
    def live(self) -> Self:
        return self.filter(cleared_at__isnull=True)


class SpendLimit(models.Model):
    """A monthly spend limit on the account, one project or one API key.

    Cleared limits stay (cleared_at set) with their notices; at most one live
    limit per target. The row is also what concurrent requests covered by it
    lock, so that their checks and reservations happen one after another.
    """

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Account"
        PROJECT = "project", "Project"
        API_KEY = "api_key", "API key"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    amount_micros = models.BigIntegerField()
    # The usage recorded in `month` (its first day) that this limit covers, folded or
    # not: kept in the transaction that records each event (reporting.limits.receivers),
    # so a request's check reads one locked row rather than summing the month.
    month = models.DateField(null=True, blank=True)
    spent_micros = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = SpendLimitQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_micros__gt=0), name="spend_limit_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(scope="account", project__isnull=True, api_key__isnull=True)
                | Q(scope="project", project__isnull=False, api_key__isnull=True)
                | Q(scope="api_key", project__isnull=False, api_key__isnull=False),
                name="spend_limit_scope_consistent",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(scope="account", cleared_at__isnull=True),
                name="spend_limit_one_per_account",
            ),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(scope="project", cleared_at__isnull=True),
                name="spend_limit_one_per_project",
            ),
            models.UniqueConstraint(
                fields=["api_key"],
                condition=Q(scope="api_key", cleared_at__isnull=True),
                name="spend_limit_one_per_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account"], condition=Q(cleared_at__isnull=True), name="spend_limit_live"
            )
        ]

    def __str__(self):
        return f"{self.target_label}: {self.amount_micros / 1_000_000:.2f} USD a month"

    @property
    def target_label(self) -> str:
        """ "account Acme", "project Production", "API key CI" (as refusals name it)."""
        if self.scope == self.Scope.API_KEY:
            return f"API key {self.api_key.name}" if self.api_key else "API key"
        if self.scope == self.Scope.PROJECT:
            return f"project {self.project.name}" if self.project else "project"
        return f"account {self.account.name}"

    @property
    def target_value(self) -> str:
        """How the limit forms name its target: "account", "project:<id>", "key:<id>"."""
        if self.scope == self.Scope.API_KEY:
            return f"key:{self.api_key_id}"
        if self.scope == self.Scope.PROJECT:
            return f"project:{self.project_id}"
        return "account"

    @property
    def target_id(self) -> int:
        if self.scope == self.Scope.API_KEY:
            return self.api_key_id or 0
        if self.scope == self.Scope.PROJECT:
            return self.project_id or 0
        return self.account_id


class SpendReservationQuerySet(TenantQuerySet["SpendReservation"]):
    def open(self) -> Self:
        return self.filter(status=SpendReservation.Status.OPEN)


class SpendReservation(models.Model):
    """Spend held for work that has started and not yet recorded its usage.

    Open until the work's usage event settles it (in the event's own
    transaction: it then counts as the event) or the work ends without usage
    (released). Open reservations count towards every limit covering them.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SETTLED = "settled", "Settled"
        RELEASED = "released", "Released"

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", "Transcript"
        STREAMING = "streaming", "Streaming session"
        AUTHORIZATION = "authorization", "Producer authorization"

    # Producers name it in the events that settle it: unguessable, like other public ids.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No constraints in the database: inserting one then takes no lock on the
    # account's row, which the check makes while it holds the limits' rows
    # (a limit's change takes the account's row, then the limit's: a lock on
    # the account here would wait for it, and it for us). Rows of a deleted
    # account go with it all the same (Django's cascade); projects and keys are
    # soft-deleted.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What it is for ("transcript:<id>", "streaming:<id>"): the usage event's idempotency key.
    reference = models.CharField(max_length=200, null=True, blank=True)
    amount_micros = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The event that settled it, and its cost.
    settled_by = models.CharField(max_length=200, blank=True)
    settled_micros = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SpendReservationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_micros__gte=0), name="spend_reservation_amount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(reference__isnull=False),
                name="spend_reservation_reference_unique",
            ),
        ]
        indexes = [
            # The limit check sums the few open ones of an account.
            models.Index(
                fields=["account"], condition=Q(status="open"), name="spend_reservation_open"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.reference or self.pk}: {self.status}"


class SpendLimitNotice(models.Model):
    """A limit refused a request in a month: unique, so "limit reached" is told once a month."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    limit = models.ForeignKey(SpendLimit, on_delete=models.CASCADE, related_name="notices")
    # The first day of the month.
    period = models.DateField()
    spent_micros = models.BigIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["limit", "period"], name="spend_limit_notice_once")
        ]

    def __str__(self):
        return f"{self.limit_id} {self.period:%Y-%m}"
