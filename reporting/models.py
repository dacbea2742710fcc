import uuid

from django.db import models

from reporting import pricing

PRODUCT_CHOICES = [
    (number, pricing.PRODUCT_LABELS[code]) for code, number in pricing.PRODUCT_IDS.items()
]
UNIT_CHOICES = [(number, code) for code, number in pricing.UNIT_IDS.items()]


class UsageEventQuerySet(models.QuerySet):
    def for_account(self, account):
        # SECURITY: tenant scoping for usage events starts here.
        return self.filter(account=account)


class UsageEvent(models.Model):
    """One priced unit of usage. Append-only; a producer's retry never double-counts.

    Sized for tens of millions of rows: small-integer product and unit, no
    index beyond the primary key, the idempotency key and (account, time).
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
    idempotency_key = models.CharField(max_length=200, unique=True)
    metadata = models.JSONField(null=True, blank=True)

    objects = UsageEventQuerySet.as_manager()

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


class PendingUsage(models.Model):
    """An event not yet folded into the rollups: written in the event's own transaction.

    Aggregation deletes these rows in the same transaction that adds their sums,
    so every committed event is either pending or counted, never both.
    """

    # A plain id, not a foreign key: events of a deleted account then delete
    # fast, and the orphaned ids left here join nothing and are dropped by the
    # next pass.
    event_id = models.BigIntegerField(primary_key=True)

    def __str__(self):
        return str(self.event_id)


class UsageRollupQuerySet(models.QuerySet):
    def for_account(self, account):
        # SECURITY: every report starts here.
        return self.filter(account=account)


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

    objects = UsageRollupQuerySet.as_manager()

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

    objects = UsageRollupQuerySet.as_manager()

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

    def __str__(self):
        return f"aggregated at {self.completed_at}"


class StreamingSessionQuerySet(models.QuerySet):
    def for_account(self, account):
        # SECURITY: tenant scoping for streaming sessions starts here.
        return self.filter(account=account)

    def open(self):
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


# Billing and spend alerts ----------------------------------------------------


class BillingQuerySet(models.QuerySet):
    def for_account(self, account):
        # SECURITY: tenant scoping for billing rows starts here.
        return self.filter(account=account)


class BillingSettings(models.Model):
    """One per account: autopay keeps the prepaid balance above a threshold (U6)."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="billing_settings"
    )
    autopay_enabled = models.BooleanField(default=False)
    # Micro-dollars, like every amount of money in the console.
    autopay_threshold_micros = models.BigIntegerField(default=0)
    autopay_amount_micros = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(autopay_threshold_micros__gte=0)
                & models.Q(autopay_amount_micros__gte=0),
                name="billing_settings_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"billing of {self.account_id}"


class AppendOnly(Exception):
    """A ledger entry is never changed or deleted; a correction is a new entry."""


class LedgerEntry(models.Model):
    """One movement of the prepaid balance: a top-up (credit) or an invoice's charge (debit).

    Append-only: the balance is the exact integer sum of `amount_micros`.
    """

    class Kind(models.TextChoices):
        TOP_UP = "top_up", "Top-up"
        CHARGE = "charge", "Charge"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Signed: credits positive, charges negative.
    amount_micros = models.BigIntegerField()
    # RESTRICT: an invoice with a charge is never deleted on its own; the
    # account's deletion takes both.
    invoice = models.OneToOneField(
        "reporting.Invoice",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="charge",
    )
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"], name="ledger_account_time")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="top_up", amount_micros__gt=0, invoice__isnull=True))
                | models.Q(kind="charge", amount_micros__lte=0),
                name="ledger_entry_sign_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount_micros} µ$"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("Ledger entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Ledger entries are never deleted.")


class Invoice(models.Model):
    """One account's usage of one calendar month (UTC), closed once (U6).

    Usage of the month recorded after it closed goes on a supplementary invoice
    of the same month (sequence 2, 3, ...), so that a month's invoices always
    add up to its usage.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    # The first day of the month.
    month = models.DateField()
    sequence = models.PositiveSmallIntegerField(default=1)
    # The exact sum of the month's rollups, and that sum in cents (see billing.cents).
    total_micros = models.BigIntegerField()
    total_cents = models.BigIntegerField()
    # Who it was billed to when it was closed: the Owner's email then (M5).
    billed_to = models.EmailField(blank=True)
    plan = models.CharField(max_length=20, blank=True)
    closed_at = models.DateTimeField(auto_now_add=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "month", "sequence"], name="one_invoice_per_month_and_sequence"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        number = f"INV-{self.account_id:05d}-{self.month:%Y%m}"
        return f"{number}-{self.sequence}" if self.is_supplement else number

    @property
    def is_supplement(self) -> bool:
        return self.sequence > 1

    @property
    def plan_name(self) -> str:
        from accounts.plans import PlanCode

        return PlanCode(self.plan).label if self.plan in PlanCode.values else self.plan


class InvoiceLine(models.Model):
    """The month's usage of one product and model."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    product = models.PositiveSmallIntegerField(choices=PRODUCT_CHOICES)
    model = models.CharField(max_length=40)
    seconds = models.BigIntegerField(default=0)
    tokens = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)
    amount_micros = models.BigIntegerField()
    # Whole cents, allocated so that the lines add up to the invoice's total.
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering = ["product", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "product", "model"], name="one_line_per_product_model"
            ),
        ]

    def __str__(self):
        return f"{self.get_product_display()} · {self.model}"


class SpendAlert(models.Model):
    """A monthly spend threshold for the account, one product or one project (U5)."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Whole account"
        PRODUCT = "product", "One product"
        PROJECT = "project", "One project"

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", "When month-to-date spend reaches the threshold"
        PACE = "pace", "When spend is on track to exceed the threshold by month end"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ACCOUNT)
    product = models.PositiveSmallIntegerField(choices=PRODUCT_CHOICES, null=True, blank=True)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.THRESHOLD)
    threshold_micros = models.BigIntegerField()
    # Bumped when what the alert watches changes (scope, kind, threshold): the
    # changed alert may fire again in a month the old one already fired in.
    generation = models.PositiveIntegerField(default=1)
    # Empty with `all_managers`: every Owner and Admin, as they are when it fires.
    all_managers = models.BooleanField(default=True)
    # A removed member's membership row goes, and with it their place here.
    recipients = models.ManyToManyField("accounts.Membership", blank=True, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BillingQuerySet.as_manager()

    class Meta:
        ordering = ["threshold_micros", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_micros__gt=0), name="spend_alert_threshold_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(scope="account", product__isnull=True, project__isnull=True)
                | models.Q(scope="product", product__isnull=False, project__isnull=True)
                | models.Q(scope="project", product__isnull=True, project__isnull=False),
                name="spend_alert_scope_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.scope_label}: {self.threshold_micros / 1_000_000:.2f} USD a month"

    @property
    def scope_label(self) -> str:
        if self.scope == self.Scope.PRODUCT:
            return self.get_product_display()
        if self.scope == self.Scope.PROJECT:
            return f"Project {self.project}"
        return "Whole account"


class SpendAlertFiring(models.Model):
    """An alert fired in a month: unique, so each alert (as last changed) emails once a month."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(SpendAlert, on_delete=models.CASCADE, related_name="firings")
    # The first day of the month.
    period = models.DateField()
    # The alert's generation when it fired.
    generation = models.PositiveIntegerField(default=1)
    fired_at = models.DateTimeField(auto_now_add=True)
    spend_micros = models.BigIntegerField()
    projected_micros = models.BigIntegerField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "generation", "period"], name="one_firing_per_alert_period"
            ),
        ]

    def __str__(self):
        return f"alert {self.alert_id} in {self.period:%Y-%m}"
