"""Billing: autopay settings, the prepaid ledger, invoices and their lines (U6)."""

from django.db import models

from accounts.plans import PlanCode
from accounts.tenancy import TenantQuerySet
from reporting.usage.models import PRODUCT_CHOICES


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

    objects = TenantQuerySet.as_manager()

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

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
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
    # The exact sum of the month's rollups, and that sum in cents (see amounts.cents).
    total_micros = models.BigIntegerField()
    total_cents = models.BigIntegerField()
    # Who it was billed to when it was closed: the Owner's email then (M5).
    billed_to = models.EmailField(blank=True)
    plan = models.CharField(max_length=20, blank=True)
    closed_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

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
