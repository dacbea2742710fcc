"""Spend alerts and their monthly firings (U5)."""

from django.db import models

from accounts.tenancy import TenantQuerySet
from reporting.usage.models import PRODUCT_CHOICES


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

    objects = TenantQuerySet.as_manager()

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
