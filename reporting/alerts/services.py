"""Spend alerts: create, update, delete, and the check that fires them (U5, C2).

An alert holds up to five thresholds, in dollars or in percents of the spend
limit covering what it watches; each fires once a month. Two kinds: "threshold"
fires when month-to-date spend reaches a threshold; "pace" also fires earlier,
when spend is on track to pass it by month end (month-to-date spend divided by
the share of the month elapsed). An alert may also fire when a spend limit
covering it first refuses a request.
"""

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.actors import user_or_none
from accounts.audit import audit_log
from accounts.emails import send_on_commit
from accounts.models import AuditAction, Membership
from accounts.permissions import Action, can
from accounts.services import ensure_can, locked_account
from reporting import pricing
from reporting.alerts.models import SpendAlert, SpendAlertFiring, threshold_key, threshold_label
from reporting.alerts.selectors import scope_limits
from reporting.alerts.values import (
    MAX_ALERTS_PER_ACCOUNT,
    MAX_PERCENT,
    MAX_THRESHOLD,
    MAX_THRESHOLDS_PER_ALERT,
    MIN_PERCENT,
    MIN_THRESHOLD,
)
from reporting.amounts import dollars, grouped
from reporting.billing.values import month_bounds, month_of
from reporting.limits.models import SpendLimit
from reporting.limits.selectors import spend_of
from reporting.signals import spend_alert_fired
from reporting.usage.models import UsageRollup

# What an alert watches: changing any of these re-arms all its thresholds for the
# month. A threshold added later fires on its own; one kept stays fired.
WATCHED_FIELDS = ("scope", "product", "project_id", "kind", "basis")
# Before a day of the month has gone by, a projection says more about the
# hour of day than about the month: pace alerts wait for it.
PACE_MIN_ELAPSED = timedelta(days=1)


# Create, update, delete -------------------------------------------------------


def _clean_thresholds(basis: str, thresholds) -> tuple[list[int], str | None]:
    """The thresholds as stored, or the reason they cannot be."""
    values = list(thresholds or [])
    if not values:
        return [], "Enter at least one threshold."
    if len(values) > MAX_THRESHOLDS_PER_ALERT:
        return [], f"An alert holds at most {MAX_THRESHOLDS_PER_ALERT} thresholds."
    if basis == SpendAlert.Basis.LIMIT_PERCENT:
        low, high = MIN_PERCENT, MAX_PERCENT
        bounds = f"between {low} and {high} percent of the limit"
    else:
        low, high = MIN_THRESHOLD, MAX_THRESHOLD
        bounds = f"between ${dollars(low)} and ${dollars(high)} a month"
    if any(not isinstance(v, int) or isinstance(v, bool) or not low <= v <= high for v in values):
        return [], f"Enter each threshold {bounds}."
    if any(a >= b for a, b in pairwise(values)):
        return [], "List the thresholds from lowest to highest, each once."
    return values, None


def _clean(
    *,
    account,
    scope,
    product,
    project,
    kind,
    basis,
    thresholds,
    on_limit_reached,
    all_managers,
    recipients,
):
    """The alert's fields, checked; raises ValidationError naming the field."""
    errors = {}
    if scope not in SpendAlert.Scope.values:
        errors["scope"] = "Choose the whole account, one product or one project."
    if kind not in SpendAlert.Kind.values:
        errors["kind"] = "Choose when the alert fires."
    if basis not in SpendAlert.Basis.values:
        errors["basis"] = "Choose dollars or percents of the spend limit."
    else:
        thresholds, problem = _clean_thresholds(basis, thresholds)
        if problem:
            errors["thresholds"] = problem
    if scope == SpendAlert.Scope.PRODUCT:
        if product not in pricing.PRODUCT_CODES:
            errors["product"] = "Choose the product this alert watches."
        if basis == SpendAlert.Basis.LIMIT_PERCENT or on_limit_reached:
            # Limits are set on the account, projects and keys, never on a product.
            errors["scope"] = (
                "A product alert cannot watch a spend limit: watch the account or a project."
            )
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
        "basis": basis,
        "thresholds": thresholds,
        "on_limit_reached": bool(on_limit_reached),
        "all_managers": all_managers,
    }, recipients


def _describe(alert: SpendAlert, recipients) -> dict:
    return {
        "scope": alert.scope_label,
        "kind": alert.kind,
        "thresholds": ", ".join(alert.threshold_labels),
        "on_limit_reached": alert.on_limit_reached,
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
    thresholds: list[int],
    basis: str = SpendAlert.Basis.AMOUNT,
    kind: str = SpendAlert.Kind.THRESHOLD,
    on_limit_reached: bool = False,
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
        basis=basis,
        thresholds=thresholds,
        on_limit_reached=on_limit_reached,
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
    thresholds: list[int],
    kind: str,
    basis: str = SpendAlert.Basis.AMOUNT,
    on_limit_reached: bool = False,
    product: int | None = None,
    project=None,
    all_managers: bool = True,
    recipients=(),
) -> SpendAlert:
    """Change an alert. Changing what it watches (scope, kind, basis) re-arms it: it
    may fire again this month. A new threshold fires on its own; recipients re-arm nothing."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_ALERTS)
    # SECURITY: the alert is looked up again inside the account.
    alert = SpendAlert.objects.for_account(account).select_for_update().get(pk=alert.pk)
    fields, recipients = _clean(
        account=account,
        scope=scope,
        product=product,
        project=project,
        kind=kind,
        basis=basis,
        thresholds=thresholds,
        on_limit_reached=on_limit_reached,
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

# Firings of "limit reached" are named after the limit, apart from the thresholds.
LIMIT_KEY_PREFIX = "limit:"


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


def _label(alert: SpendAlert, value: int, micros: int, limit_micros: int | None) -> str:
    if alert.basis == SpendAlert.Basis.LIMIT_PERCENT and limit_micros is not None:
        return f"{value} % of its ${grouped(dollars(limit_micros))} spend limit"
    return f"${grouped(dollars(micros))}"


def resolved_thresholds(alert: SpendAlert, limit_micros: int | None) -> list[tuple[int, int]]:
    """(threshold as stored, micro-dollars) for each threshold, lowest first.

    A percent threshold is a share of the spend limit covering the alert's scope
    (`limit_micros`): with no such limit it waits, resolving to nothing.
    """
    if alert.basis == SpendAlert.Basis.AMOUNT:
        return [(value, value) for value in alert.thresholds]
    if limit_micros is None:
        return []
    return [(value, limit_micros * value // 100) for value in alert.thresholds]


def _announce(alert: SpendAlert, *, headline: str, body: str, data: dict, recipients) -> None:
    """Email the recipients and tell the apps above (webhooks), once the firing commits."""
    account = alert.account
    data = {
        "alert_id": alert.pk,
        "scope": alert.scope,
        "scope_label": alert.scope_label,
        "project_id": alert.project_id,
        **data,
        "text": f"Spend alert for {account.name}: {headline}.",
    }
    transaction.on_commit(
        lambda: spend_alert_fired.send(sender=SpendAlert, account=account, data=data),
        robust=True,
    )
    send_on_commit(
        subject=f"Spend alert for {account.name}: {headline}",
        body=f"{headline}.\n\n{body}\n\nSee the Reporting page for the details, "
        "and change the alert on the Alerts page.",
        recipients=recipients,
    )


def _locked_alert(alert: SpendAlert) -> SpendAlert | None:
    # Locking the alert makes concurrent checks queue; the unique (alert,
    # generation, period, threshold) index is the last word on "once a month".
    return (
        SpendAlert.objects.select_for_update(of=("self",))
        .select_related("account", "project")
        .filter(pk=alert.pk)
        .first()
    )


def _fire(alert: SpendAlert, *, period, spend_micros: int, limit_micros: int | None, now) -> bool:
    """Record and announce the alert's thresholds newly due this month."""
    with transaction.atomic():
        live = _locked_alert(alert)
        if live is None:
            return False
        alert = live
        fired = set(
            alert.firings.filter(period=period, generation=alert.generation).values_list(
                "threshold", flat=True
            )
        )
        # Due again on the locked row: an edit since the check may have raised
        # a threshold or made a pace alert a plain one.
        due = [
            (value, micros)
            for value, micros in resolved_thresholds(alert, limit_micros)
            if threshold_key(alert.basis, value) not in fired
            and alert_is_due(
                kind=alert.kind, threshold_micros=micros, spend_micros=spend_micros, now=now
            )
        ]
        if not due:
            return False
        recipients = alert_recipients(alert)
        projected = pace_projection(spend_micros=spend_micros, now=now)
        SpendAlertFiring.objects.bulk_create(
            SpendAlertFiring(
                account_id=alert.account_id,
                alert=alert,
                period=period,
                generation=alert.generation,
                threshold=threshold_key(alert.basis, value),
                threshold_micros=micros,
                spend_micros=spend_micros,
                projected_micros=projected,
                recipients=recipients,
            )
            for value, micros in due
        )
        # Several thresholds crossed at once make one message, about the highest.
        value, micros = due[-1]
        threshold = _label(alert, value, micros, limit_micros)
        spent = dollars(spend_micros)
        if spend_micros >= micros:
            headline = f"{alert.scope_label} has spent ${spent} this month, over {threshold}"
        elif projected is None:
            raise RuntimeError(
                "A pace alert under its threshold is due only once its pace is known."
            )
        else:
            headline = (
                f"{alert.scope_label} is on track to spend ${dollars(projected)} "
                f"this month, over {threshold}"
            )
        _announce(
            alert,
            headline=headline,
            body=(
                f"Spend so far in {period:%B %Y}: ${spent} (as of {now:%d %b %Y %H:%M} UTC).\n"
                f"Thresholds: {', '.join(alert.threshold_labels)}.\n"
                "Each threshold emails once a month."
            ),
            data={
                "kind": alert.kind,
                "thresholds_crossed": [threshold_label(alert.basis, v) for v, _ in due],
                "threshold": dollars(micros),
                "spend": spent,
                "projected": dollars(projected) if projected is not None else None,
                "period": f"{period:%Y-%m}",
            },
            recipients=recipients,
        )
        return True


def spend_alerts_check(*, now=None) -> int:
    """Fire every threshold due this month that has not fired yet; return how many alerts fired."""
    now = now or timezone.now()
    period = month_of(now)
    start, end = month_bounds(period)
    fired_keys = _fired_this_month(period)

    def quiet(alert: SpendAlert, value: int) -> bool:
        return threshold_key(alert.basis, value) not in fired_keys[(alert.pk, alert.generation)]

    # Only alerts with a threshold still quiet this month cost anything to check.
    alerts = [a for a in SpendAlert.objects.all() if any(quiet(a, v) for v in a.thresholds)]
    if not alerts:
        return 0
    spends = _month_spends(alerts, start=start, until=min(now, end))
    limits = scope_limits(alerts)
    fired = 0
    for alert in alerts:
        spend = _spend_of(alert, spends)
        limit_micros = limits.get(alert.pk)
        if any(
            quiet(alert, value)
            and alert_is_due(kind=alert.kind, threshold_micros=micros, spend_micros=spend, now=now)
            for value, micros in resolved_thresholds(alert, limit_micros)
        ):
            fired += _fire(
                alert, period=period, spend_micros=spend, limit_micros=limit_micros, now=now
            )
    return fired


def _fired_this_month(period) -> defaultdict[tuple[int, int], set[str]]:
    """{(alert id, generation): threshold keys} of the month's threshold firings."""
    fired: defaultdict[tuple[int, int], set[str]] = defaultdict(set)
    rows = (
        SpendAlertFiring.objects.filter(period=period)
        .exclude(threshold__startswith=LIMIT_KEY_PREFIX)
        .values_list("alert_id", "generation", "threshold")
    )
    for alert_id, generation, key in rows:
        fired[(alert_id, generation)].add(key)
    return fired


# A spend limit refusing a request ---------------------------------------------


def _covers(alert: SpendAlert, limit: SpendLimit) -> bool:
    """Whether `limit` limits what the alert watches: the account's alerts watch all
    its limits, a project's alerts its own limit and its keys' limits."""
    if alert.scope == SpendAlert.Scope.PROJECT:
        return limit.project_id == alert.project_id
    return alert.scope == SpendAlert.Scope.ACCOUNT


def spend_limit_reached_alerts(*, limit_id: int, now=None) -> int:
    """Fire, once a month, the alerts asked to tell when this limit first refused a request."""
    now = now or timezone.now()
    period = month_of(now)
    limit = SpendLimit.objects.select_related("account", "project", "api_key").get(pk=limit_id)
    candidates = [
        alert
        for alert in SpendAlert.objects.for_account(limit.account).filter(on_limit_reached=True)
        if _covers(alert, limit)
    ]
    if not candidates:
        return 0
    spent = spend_of(limit, now=now).total
    fired = 0
    for alert in candidates:
        with transaction.atomic():
            live = _locked_alert(alert)
            if live is None or not live.on_limit_reached:
                continue
            alert = live
            key = f"{LIMIT_KEY_PREFIX}{limit.pk}"
            if alert.firings.filter(
                period=period, generation=alert.generation, threshold=key
            ).exists():
                continue
            recipients = alert_recipients(alert)
            SpendAlertFiring.objects.create(
                account_id=alert.account_id,
                alert=alert,
                period=period,
                generation=alert.generation,
                threshold=key,
                threshold_micros=limit.amount_micros,
                spend_micros=spent,
                recipients=recipients,
            )
            amount = dollars(limit.amount_micros)
            headline = (
                f"the monthly spend limit of ${grouped(amount)} for {limit.target_label} is reached"
            )
            _announce(
                alert,
                headline=headline[0].upper() + headline[1:],
                body=(
                    f"A request was refused at {now:%d %b %Y %H:%M} UTC: spend and work "
                    f"already started this month come to ${dollars(spent)}.\n"
                    "Requests it covers are refused until the limit is raised or cleared "
                    "on the Spend limits page, or the month ends."
                ),
                data={
                    "kind": "limit_reached",
                    "limit_id": limit.pk,
                    "limit_scope": limit.scope,
                    "limit": amount,
                    "spend": dollars(spent),
                    "period": f"{period:%Y-%m}",
                },
                recipients=recipients,
            )
            fired += 1
    return fired
