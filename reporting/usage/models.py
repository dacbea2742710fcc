"""Usage: events, the pending queue, hourly and daily rollups, aggregation state, streaming sessions."""

import uuid
from typing import Self

from django.db import models

from accounts.tenancy import TenantQuerySet
from reporting import pricing

PRODUCT_CHOICES = [
    (number, pricing.PRODUCT_LABELS[code]) for code, number in pricing.PRODUCT_IDS.items()
]
UNIT_CHOICES = [(number, code) for code, number in pricing.UNIT_IDS.items()]


class UsageEvent(models.Model):
    """One priced unit of usage. Append-only; a producer's retry never double-counts.

    Sized for tens of millions of rows: small-integer product and unit, no
    index beyond the primary key and (account, time). On PostgreSQL the table
    is partitioned by month of `occurred_at` (migration
    0007_usage_events_partitioned_by_month): made ahead by the beat schedule,
    whole old months dropped by the retention setting. An idempotency key's
    uniqueness across months is `UsageEventKey`'s to keep.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Projects and keys are soft-deleted, so these rows stay; DO_NOTHING keeps
    # the collector from loading millions of events when an account is deleted
    # (the events go first, by the account's cascade).
    project = models.ForeignKey(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
    )
    product = models.PositiveSmallIntegerField(choices=PRODUCT_CHOICES)
    model = models.CharField(max_length=40)
    unit = models.PositiveSmallIntegerField(choices=UNIT_CHOICES)
    # In the unit's smallest measure: whole seconds or tokens.
    quantity = models.BigIntegerField()
    cost_micros = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Unique through UsageEventKey (a partitioned table holds no index unique across months).
    idempotency_key = models.CharField(max_length=200)
    metadata = models.JSONField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["account", "occurred_at"], name="usage_event_account_time")]

    def __str__(self):
        return self.idempotency_key

    @property
    def product_code(self) -> str:
        return pricing.PRODUCT_CODES[self.product]

    @property
    def unit_code(self) -> str:
        return pricing.UNIT_CODES[self.unit]


class UsageEventKey(models.Model):
    """The idempotency key of every recorded event: the one place a replay is recognised.

    Written in the event's own transaction, before it; retention deletes the
    keys of the months it drops (and ingest refuses events that old).
    """

    idempotency_key = models.CharField(max_length=200, primary_key=True)
    event_id = models.BigIntegerField()
    occurred_at = models.DateTimeField()

    def __str__(self):
        return self.idempotency_key


class PendingUsage(models.Model):
    """An event not yet folded into the rollups: written in the event's own transaction.

    Aggregation deletes these rows in the same transaction that adds their sums,
    so every committed event is either pending or counted, never both.
    """

    # A plain id, not a foreign key: events of a deleted account then delete
    # fast, and the orphaned ids left here join nothing and are dropped by the
    # next pass.
    event_id = models.BigIntegerField(primary_key=True)
    # The event's partition key: the fold finds each event in its own month.
    occurred_at = models.DateTimeField(null=True)
    # Copied from the event so that a spend limit's check sums the account's
    # unfolded spend from this small table, never joining the events (C1).
    account_id = models.BigIntegerField(null=True)
    project_id = models.BigIntegerField(null=True)
    api_key_id = models.BigIntegerField(null=True)
    cost_micros = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["account_id"], name="pending_usage_account")]

    def __str__(self):
        return str(self.event_id)


class UsageRollup(models.Model):
    """Hourly sums per account x project x key x product x model x unit.

    Derived data (rebuildable from events). Project and key ids are plain
    integers with 0 for "none", so that one unique index serves the upsert on
    PostgreSQL and SQLite alike; names come from the soft-deleted rows, which stay.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project_id = models.BigIntegerField(default=0)
    api_key_id = models.BigIntegerField(default=0)
    product = models.PositiveSmallIntegerField(choices=PRODUCT_CHOICES)
    model = models.CharField(max_length=40)
    unit = models.PositiveSmallIntegerField(choices=UNIT_CHOICES)
    hour = models.DateTimeField()
    quantity = models.BigIntegerField(default=0)
    cost_micros = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            # Leading with (account, hour) also serves every report's range scan.
            models.UniqueConstraint(
                fields=["account", "hour", "project_id", "api_key_id", "product", "model", "unit"],
                name="usage_rollup_dimensions",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.hour:%Y-%m-%d %H}h"


class UsageRollupDaily(models.Model):
    """The same sums per UTC day, folded in the same transaction as the hourly ones.

    Reports by day over whole days read these: 24 times fewer rows.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project_id = models.BigIntegerField(default=0)
    api_key_id = models.BigIntegerField(default=0)
    product = models.PositiveSmallIntegerField(choices=PRODUCT_CHOICES)
    model = models.CharField(max_length=40)
    unit = models.PositiveSmallIntegerField(choices=UNIT_CHOICES)
    day = models.DateTimeField()
    quantity = models.BigIntegerField(default=0)
    cost_micros = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "project_id", "api_key_id", "product", "model", "unit"],
                name="usage_rollup_daily_dimensions",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.day:%Y-%m-%d}"


class AggregationState(models.Model):
    """A single row: when the last aggregation pass finished with nothing left behind."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The claim starts at this event id (an index range, never the dead entries
    # below it); `claim_next` becomes it once `claim_next_at` is old enough that
    # no transaction that could still commit a smaller id is running.
    claim_from = models.BigIntegerField(default=0)
    claim_next = models.BigIntegerField(null=True, blank=True)
    claim_next_at = models.DateTimeField(null=True, blank=True)
    # When the pending table was last vacuumed and swept from its first id.
    swept_at = models.DateTimeField(null=True, blank=True)
    # Raw events before this were dropped by retention: rollups before it stay as they are.
    events_since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"aggregated at {self.completed_at}"


class StreamingSessionQuerySet(TenantQuerySet["StreamingSession"]):
    def open(self) -> Self:
        return self.filter(closed_at__isnull=True)


class StreamingSession(models.Model):
    """A streaming session: its usage (duration) is recorded only when it closes (U3)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    api_key = models.ForeignKey(
        "apikeys.ApiKey",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
    )
    model = models.CharField(max_length=40)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    billed_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Closed by the beat task after the maximum duration rather than by its producer.
    closed_by_timeout = models.BooleanField(default=False)
    # The spend held for its worst case while a limit covers it (reporting.limits):
    # its closing event settles it.
    reservation_id = models.UUIDField(null=True, blank=True)

    objects = StreamingSessionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["opened_at"],
                condition=models.Q(closed_at__isnull=True),
                name="streaming_session_open",
            )
        ]

    def __str__(self):
        return str(self.id)
