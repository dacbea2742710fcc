"""Spend alerts and their monthly firings (U5)."""

from django.db import models

from accounts.tenancy import TenantQuerySet
from reporting.amounts import dollars
from reporting.usage.models import PRODUCT_CHOICES


class SpendAlert(models.Model):
    """A monthly spend threshold for the account, one product or one project (U5)."""

    class Scope(models.TextChoices):
        ACCOUNT = "account", "Whole account"
        PRODUCT = "product", "One product"
        PROJECT = "project", "One project"

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", "When month-to-date spend reaches a threshold"
        PACE = "pace", "When spend is on track to pass a threshold by month end"

    class Basis(models.TextChoices):
        AMOUNT = "amount", "Dollars a month"
        LIMIT_PERCENT = "limit_percent", "Percent of the spend limit"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ACCOUNT)
    product = models.PositiveSmallIntegerField(choices=PRODUCT_CHOICES, null=True, blank=True)
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.THRESHOLD)
    basis = models.CharField(max_length=16, choices=Basis.choices, default=Basis.AMOUNT)
    # Lowest first, each once: micro-dollars (AMOUNT) or whole percents of the
    # spend limit covering the scope (LIMIT_PERCENT). Each fires once a month.
    thresholds = models.JSONField(default=list)
    # Also fire when a spend limit covering the scope first refuses a request (C2).
    on_limit_reached = models.BooleanField(default=False)
    # Bumped when what the alert watches changes (scope, kind, basis): the changed
    # alert may fire again in a month the old one already fired in. A threshold
    # added or removed does not bump it: each threshold fires once on its own.
    generation = models.PositiveIntegerField(default=1)
    # Empty with `all_managers`: every Owner and Admin, as they are when it fires.
    all_managers = models.BooleanField(default=True)
    # A removed member's membership row goes, and with it their place here.
    recipients = models.ManyToManyField("accounts.Membership", blank=True, related_name="+")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    # Set by the Alerts page's selector: the spend limit its percents are shares of.
    limit_micros: int | None = None

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="account", product__isnull=True, project__isnull=True)
                | models.Q(scope="product", product__isnull=False, project__isnull=True)
                | models.Q(scope="project", product__isnull=True, project__isnull=False),
                name="spend_alert_scope_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.scope_label}: {', '.join(self.threshold_labels)}"

    @property
    def threshold_labels(self) -> list[str]:
        """The thresholds as people read them: "$50.00" or "80 % of the limit"."""
        return [threshold_label(self.basis, value) for value in self.thresholds]

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
    # Which of the alert's thresholds fired: `threshold_key`, e.g. "50000000",
    # "80%" or "limit:12" (the spend limit that refused a request).
    threshold = models.CharField(max_length=40)
    # The threshold in micro-dollars when it fired (a percent resolved against the limit).
    threshold_micros = models.BigIntegerField(null=True, blank=True)
    fired_at = models.DateTimeField(auto_now_add=True)
    spend_micros = models.BigIntegerField()
    projected_micros = models.BigIntegerField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "generation", "period", "threshold"],
                name="one_firing_per_alert_threshold_period",
            ),
        ]

    def __str__(self):
        return f"alert {self.alert_id} at {self.threshold} in {self.period:%Y-%m}"


def threshold_key(basis: str, value: int) -> str:
    """How a threshold is named on its firing: unique within the alert."""
    return f"{value}%" if basis == SpendAlert.Basis.LIMIT_PERCENT else str(value)


def threshold_label(basis: str, value: int) -> str:
    if basis == SpendAlert.Basis.LIMIT_PERCENT:
        return f"{value} % of the limit"
    return f"${dollars(value)}"
