"""Spend alerts: create, update, delete, and the check that fires them once a month (U5).

Two kinds: "threshold" fires when month-to-date spend reaches the threshold;
"pace" also fires earlier, when spend is on track to pass it by month end
(month-to-date spend divided by the share of the month elapsed).
"""

from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from accounts.actors import user_or_none
from accounts.audit import audit_log
from accounts.emails import send_on_commit
from accounts.models import AuditAction, Membership
from accounts.permissions import Action, can
from accounts.services import ensure_can, locked_account
from reporting import pricing
from reporting.alerts.models import SpendAlert, SpendAlertFiring
from reporting.alerts.values import MAX_ALERTS_PER_ACCOUNT, MAX_THRESHOLD, MIN_THRESHOLD
from reporting.amounts import dollars
from reporting.billing.values import month_bounds, month_of
from reporting.signals import spend_alert_fired
from reporting.usage.models import UsageRollup

# What an alert watches: changing any of these re-arms it for the month.
WATCHED_FIELDS = ("scope", "product", "project_id", "kind", "threshold_micros")
# Before a day of the month has gone by, a projection says more about the
# hour of day than about the month: pace alerts wait for it.
PACE_MIN_ELAPSED = timedelta(days=1)


# Create, update, delete -------------------------------------------------------


def _clean(*, account, scope, product, project, kind, threshold_micros, all_managers, recipients):
    """The alert's fields, checked; raises ValidationError naming the field."""
    errors = {}
    if scope not in SpendAlert.Scope.values:
        errors["scope"] = "Choose the whole account, one product or one project."
    if kind not in SpendAlert.Kind.values:
        errors["kind"] = "Choose when the alert fires."
    if not MIN_THRESHOLD <= threshold_micros <= MAX_THRESHOLD:
        errors["threshold"] = (
            f"Enter a monthly threshold between ${dollars(MIN_THRESHOLD)} "
            f"and ${dollars(MAX_THRESHOLD)}."
        )
    if scope == SpendAlert.Scope.PRODUCT:
        if product not in pricing.PRODUCT_CODES:
            errors["product"] = "Choose the product this alert watches."
        project = None
    elif scope == SpendAlert.Scope.PROJECT:
        # SECURITY: an alert may only watch a live project of its own account.
        if project is None or project.account_id != account.pk or project.is_deleted:
            errors["project"] = "Choose one of this account's projects."
        product = None
    else:
        product = project = None
    recipients = list(recipients or [])
    if not all_managers:
        # SECURITY: recipients are members of this account, nobody else.
        if any(m.account_id != account.pk for m in recipients):
            errors["recipients"] = "Recipients must be members of this account."
        elif not recipients:
            errors["recipients"] = "Choose at least one member, or notify all Owners and Admins."
    else:
        recipients = []
    if errors:
        raise ValidationError(errors)
    return {
        "scope": scope,
        "product": product,
        "project": project,
        "kind": kind,
        "threshold_micros": threshold_micros,
        "all_managers": all_managers,
    }, recipients


def _describe(alert: SpendAlert, recipients) -> dict:
    return {
        "scope": alert.scope_label,
        "kind": alert.kind,
        "threshold": dollars(alert.threshold_micros),
        "recipients": "all Owners and Admins"
        if alert.all_managers
        else ", ".join(sorted(m.user.email for m in recipients)),
    }


@transaction.atomic
def spend_alert_create(
    *,
    account,
    actor,
    scope: str,
    threshold_micros: int,
    kind: str = SpendAlert.Kind.THRESHOLD,
    product: int | None = None,
    project=None,
    all_managers: bool = True,
    recipients=(),
) -> SpendAlert:
    """A new spend alert; by default it emails all Owners and Admins."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_ALERTS)
    fields, recipients = _clean(
        account=account,
        scope=scope,
        product=product,
        project=project,
        kind=kind,
        threshold_micros=threshold_micros,
        all_managers=all_managers,
        recipients=recipients,
    )
    account = locked_account(account)
    if SpendAlert.objects.for_account(account).count() >= MAX_ALERTS_PER_ACCOUNT:
        raise ValidationError(
            f"An account can have at most {MAX_ALERTS_PER_ACCOUNT} spend alerts: delete one first."
        )
    alert = SpendAlert.objects.create(account=account, created_by=user_or_none(actor), **fields)
    alert.recipients.set(recipients)
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ALERT_CREATE,
        target=alert,
        metadata=_describe(alert, recipients),
    )
    return alert


@transaction.atomic
def spend_alert_update(
    *,
    account,
    actor,
    alert: SpendAlert,
    scope: str,
    threshold_micros: int,
    kind: str,
    product: int | None = None,
    project=None,
    all_managers: bool = True,
    recipients=(),
) -> SpendAlert:
    """Change an alert. Changing what it watches (scope, kind, threshold) re-arms it:
    it may fire again this month. Changing only its recipients does not."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_ALERTS)
    # SECURITY: the alert is looked up again inside the account.
    alert = SpendAlert.objects.for_account(account).select_for_update().get(pk=alert.pk)
    fields, recipients = _clean(
        account=account,
        scope=scope,
        product=product,
        project=project,
        kind=kind,
        threshold_micros=threshold_micros,
        all_managers=all_managers,
        recipients=recipients,
    )
    before = _describe(alert, list(alert.recipients.select_related("user")))
    watched = [getattr(alert, name) for name in WATCHED_FIELDS]
    for name, value in fields.items():
        setattr(alert, name, value)
    if [getattr(alert, name) for name in WATCHED_FIELDS] != watched:
        alert.generation += 1
    alert.save()
    alert.recipients.set(recipients)
    after = _describe(alert, recipients)
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changes:
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.ALERT_UPDATE,
            target=alert,
            metadata=changes,
        )
    return alert


@transaction.atomic
def spend_alert_delete(*, account, actor, alert: SpendAlert) -> None:
    ensure_can(actor=actor, account=account, action=Action.MANAGE_ALERTS)
    live = SpendAlert.objects.for_account(account).select_for_update().filter(pk=alert.pk).first()
    if live is None:
        raise ValidationError("This spend alert was already deleted.")
    alert = live
    audit_log(
        account=account,
        actor=actor,
        action=AuditAction.ALERT_DELETE,
        target=alert,
        metadata=_describe(alert, list(alert.recipients.select_related("user"))),
    )
    alert.delete()


# Checking ---------------------------------------------------------------------


def pace_projection(*, spend_micros: int, now) -> int | None:
    """Month-end spend at the month-to-date pace (None during the month's first day)."""
    start, end = month_bounds(month_of(now))
    elapsed = now - start
    if elapsed < PACE_MIN_ELAPSED:
        return None
    tick = timedelta(microseconds=1)
    return spend_micros * ((end - start) // tick) // (elapsed // tick)


def alert_is_due(*, kind: str, threshold_micros: int, spend_micros: int, now) -> bool:
    """Whether an alert of `kind` fires at `now` with this month-to-date spend."""
    if spend_micros >= threshold_micros:
        return True
    if kind != SpendAlert.Kind.PACE:
        return False
    start, end = month_bounds(month_of(now))
    elapsed = now - start
    if elapsed < PACE_MIN_ELAPSED:
        return False
    tick = timedelta(microseconds=1)
    # spend / (elapsed / month) > threshold, in integers: no rounding at the edge.
    return spend_micros * ((end - start) // tick) > threshold_micros * (elapsed // tick)


def alert_recipients(alert: SpendAlert) -> list[str]:
    """The emails an alert goes to now: current members only."""
    # SECURITY: every recipient is a member of the alert's account at this moment.
    memberships = Membership.objects.filter(account_id=alert.account_id).select_related("user")
    if alert.all_managers:
        chosen = [m for m in memberships if can(m, Action.MANAGE_ALERTS)]
    else:
        chosen = list(memberships.filter(pk__in=alert.recipients.values("pk")))
    return sorted({m.user.email for m in chosen})


def _month_spends(alerts, *, start, until) -> dict:
    """{account_id: {(product, project_id): micros}} for the alerts' accounts, from the rollups."""
    spends: dict = defaultdict(dict)
    rows = (
        UsageRollup.objects.filter(
            account_id__in={a.account_id for a in alerts}, hour__gte=start, hour__lt=until
        )
        .values("account_id", "product", "project_id")
        .annotate(cost=Sum("cost_micros"))
    )
    for row in rows:
        spends[row["account_id"]][(row["product"], row["project_id"])] = row["cost"]
    return spends


def _spend_of(alert: SpendAlert, spends: dict) -> int:
    parts = spends.get(alert.account_id, {})
    if alert.scope == SpendAlert.Scope.PRODUCT:
        return sum(c for (product, _), c in parts.items() if product == alert.product)
    if alert.scope == SpendAlert.Scope.PROJECT:
        return sum(c for (_, project_id), c in parts.items() if project_id == alert.project_id)
    return sum(parts.values())


def _fire(alert: SpendAlert, *, period, spend_micros: int, now) -> bool:
    with transaction.atomic():
        # Locking the alert makes concurrent checks queue; the unique
        # (alert, period) index is the last word on "once a month".
        live = (
            SpendAlert.objects.select_for_update(of=("self",))
            .select_related("account", "project")
            .filter(pk=alert.pk)
            .first()
        )
        if live is None or live.firings.filter(period=period, generation=live.generation).exists():
            return False
        alert = live
        # Due again on the locked row: an edit since the check may have raised
        # the threshold or made a pace alert a plain one.
        if not alert_is_due(
            kind=alert.kind,
            threshold_micros=alert.threshold_micros,
            spend_micros=spend_micros,
            now=now,
        ):
            return False
        recipients = alert_recipients(alert)
        projected = pace_projection(spend_micros=spend_micros, now=now)
        SpendAlertFiring.objects.create(
            account_id=alert.account_id,
            alert=alert,
            period=period,
            generation=alert.generation,
            spend_micros=spend_micros,
            projected_micros=projected,
            recipients=recipients,
        )
        account = alert.account
        threshold = dollars(alert.threshold_micros)
        spent = dollars(spend_micros)
        if spend_micros >= alert.threshold_micros:
            headline = f"{alert.scope_label} has spent ${spent} this month, over ${threshold}"
        elif projected is None:
            raise RuntimeError(
                "A pace alert under its threshold is due only once its pace is known."
            )
        else:
            headline = (
                f"{alert.scope_label} is on track to spend ${dollars(projected)} "
                f"this month, over ${threshold}"
            )
        data = {
            "alert_id": alert.pk,
            "scope": alert.scope,
            "scope_label": alert.scope_label,
            "project_id": alert.project_id,
            "threshold": threshold,
            "spend": spent,
            "period": f"{period:%Y-%m}",
            "text": f"Spend alert for {account.name}: {headline}.",
        }
        transaction.on_commit(
            lambda: spend_alert_fired.send(sender=SpendAlert, account=account, data=data),
            robust=True,
        )
        send_on_commit(
            subject=f"Spend alert for {account.name}: {headline}",
            body=(
                f"{headline}.\n\nSpend so far in {period:%B %Y}: ${spent} "
                f"(as of {now:%d %b %Y %H:%M} UTC).\nThreshold: ${threshold} a month.\n\n"
                "This alert emails once a month. See the Reporting page for the details, "
                "and change the alert on the Alerts page."
            ),
            recipients=recipients,
        )
        return True


def spend_alerts_check(*, now=None) -> int:
    """Fire every alert due this month that has not fired yet; return how many fired."""
    now = now or timezone.now()
    period = month_of(now)
    start, end = month_bounds(period)
    # Only alerts still quiet this month cost anything to check.
    alerts = list(
        SpendAlert.objects.exclude(
            Exists(
                SpendAlertFiring.objects.filter(
                    alert=OuterRef("pk"), period=period, generation=OuterRef("generation")
                )
            )
        )
    )
    if not alerts:
        return 0
    spends = _month_spends(alerts, start=start, until=min(now, end))
    fired = 0
    for alert in alerts:
        spend = _spend_of(alert, spends)
        if alert_is_due(
            kind=alert.kind, threshold_micros=alert.threshold_micros, spend_micros=spend, now=now
        ):
            fired += _fire(alert, period=period, spend_micros=spend, now=now)
    return fired
