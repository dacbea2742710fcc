"""Spend alerts (U5) and invoices (U6) through the console's services and selectors."""

from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Status

from accounts.models import Account, Membership
from accounts.permissions import Action
from console.api import pagination
from console.api.auth import acting
from console.api.schemas import (
    AlertIn,
    AlertOut,
    AlertPage,
    AlertPatch,
    Id,
    InvoiceDetail,
    InvoicePage,
)
from console.api.statuses import errors
from projects.models import Project
from reporting import pricing
from reporting.alerts import services as alert_services
from reporting.alerts.forms import thresholds_text
from reporting.alerts.models import SpendAlert
from reporting.amounts import to_micros
from reporting.billing import selectors as billing_selectors
from reporting.billing.models import Invoice

router = Router(tags=["billing"])


def _alerts(account: Account) -> QuerySet[SpendAlert]:
    return (
        SpendAlert.objects.for_account(account)
        .prefetch_related("recipients")
        .annotate(last_fired_at=Max("firings__fired_at"))
    )


def _alert_out(alert: SpendAlert) -> dict[str, object]:
    return {
        "id": alert.pk,
        "scope": alert.scope,
        "product": pricing.PRODUCT_CODES[alert.product] if alert.product else None,
        "project_id": alert.project_id,
        "kind": alert.kind,
        "basis": alert.basis,
        "thresholds": thresholds_text(alert).split(", "),
        "on_limit_reached": alert.on_limit_reached,
        "all_managers": alert.all_managers,
        "recipients": sorted(m.pk for m in alert.recipients.all()),
        "created_at": alert.created_at,
        "last_fired_at": getattr(alert, "last_fired_at", None),
    }


def _alert_fields(account: Account, values: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments from the API's fields; ids are looked up in the account only.

    An id that is not the account's is handed on as a row of no account, so that
    the service refuses it by name, exactly as the Alerts page's form does.
    """
    project = None
    if values.get("project_id") is not None:
        # SECURITY: only the account's live projects are found.
        project = Project.objects.for_account(account).filter(pk=values["project_id"]).first()
        project = project or Project(account_id=0)
    wanted = set(values.get("recipients") or [])
    recipients = list(Membership.objects.for_account(account).filter(pk__in=wanted))
    if len(recipients) != len(wanted):
        recipients.append(Membership(account_id=0))
    product = values.get("product")
    return {
        "scope": values["scope"],
        "kind": values["kind"],
        "basis": values["basis"],
        "thresholds": _threshold_values(values["basis"], values["thresholds"]),
        "on_limit_reached": values["on_limit_reached"],
        "product": pricing.PRODUCT_IDS[product] if product else None,
        "project": project,
        "all_managers": values["all_managers"],
        "recipients": recipients,
    }


def _threshold_values(basis: str, thresholds: list[Any]) -> list[Any]:
    """Dollars as micro-dollars, whole percents as ints; anything else goes on as it
    is, for the service to refuse by name."""
    if basis == SpendAlert.Basis.AMOUNT:
        return [to_micros(Decimal(value)) for value in thresholds]
    return [int(value) if Decimal(value) == int(Decimal(value)) else value for value in thresholds]


def _alert(account: Account, alert_id: int) -> SpendAlert:
    # SECURITY: another account's alert is a 404.
    return get_object_or_404(_alerts(account), pk=alert_id)


@router.get("/alerts", response={200: AlertPage, **errors()}, summary="List spend alerts")
def list_alerts(
    request: HttpRequest, limit: pagination.Limit = 20, after: pagination.After = None
) -> dict[str, object]:
    account, _actor = acting(request, Action.VIEW)
    page, has_more, cursor = pagination.by_id(_alerts(account), limit=limit, after=after)
    return pagination.envelope([_alert_out(a) for a in page], has_more, cursor)


@router.post("/alerts", response={201: AlertOut, **errors()}, summary="Create a spend alert")
def create_alert(request: HttpRequest, payload: AlertIn) -> Status[dict[str, object]]:
    account, actor = acting(request, Action.MANAGE_ALERTS)
    values = payload.dict()
    alert = alert_services.spend_alert_create(
        account=account, actor=actor, **_alert_fields(account, values)
    )
    return Status(201, _alert_out(_alert(account, alert.pk)))


@router.patch(
    "/alerts/{alert_id}", response={200: AlertOut, **errors()}, summary="Change a spend alert"
)
def update_alert(
    request: HttpRequest, alert_id: Path[Id], payload: AlertPatch
) -> dict[str, object]:
    """Fields left out keep their value. Changing scope, kind or basis re-arms it; a
    threshold added fires on its own."""
    account, actor = acting(request, Action.MANAGE_ALERTS)
    alert = _alert(account, alert_id)
    values: dict[str, Any] = _alert_out(alert)
    for name, value in payload.dict(exclude_unset=True).items():
        if value is not None or name in ("product", "project_id"):
            values[name] = value
    alert_services.spend_alert_update(
        account=account, actor=actor, alert=alert, **_alert_fields(account, values)
    )
    return _alert_out(_alert(account, alert.pk))


@router.delete(
    "/alerts/{alert_id}", response={204: None, **errors()}, summary="Delete a spend alert"
)
def delete_alert(request: HttpRequest, alert_id: Path[Id]) -> Status[None]:
    account, actor = acting(request, Action.MANAGE_ALERTS)
    alert_services.spend_alert_delete(account=account, actor=actor, alert=_alert(account, alert_id))
    return Status(204, None)


def _invoice_out(invoice: Invoice) -> dict[str, object]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "month": invoice.month,
        "sequence": invoice.sequence,
        "total_usd": f"{invoice.total_cents // 100}.{invoice.total_cents % 100:02d}",
        "total_micros": invoice.total_micros,
        "billed_to": invoice.billed_to,
        "plan": invoice.plan,
        "closed_at": invoice.closed_at,
    }


@router.get("/invoices", response={200: InvoicePage, **errors()}, summary="List invoices")
def list_invoices(
    request: HttpRequest, limit: pagination.Limit = 20, after: pagination.After = None
) -> dict[str, object]:
    account, _actor = acting(request, Action.MANAGE_BILLING)
    page, has_more, cursor = pagination.by_id(
        billing_selectors.invoices(account), limit=limit, after=after
    )
    return pagination.envelope([_invoice_out(i) for i in page], has_more, cursor)


@router.get(
    "/invoices/{invoice_id}", response={200: InvoiceDetail, **errors()}, summary="Get an invoice"
)
def get_invoice(request: HttpRequest, invoice_id: Path[Id]) -> dict[str, object]:
    account, _actor = acting(request, Action.MANAGE_BILLING)
    # SECURITY: another account's invoice is a 404.
    invoice = get_object_or_404(billing_selectors.invoices(account), pk=invoice_id)
    lines = [
        {
            "product": pricing.PRODUCT_CODES[line.product],
            "model": line.model,
            "seconds": line.seconds,
            "tokens": line.tokens,
            "events": line.events,
            "amount_usd": f"{line.amount_cents // 100}.{line.amount_cents % 100:02d}",
        }
        for line in invoice.lines.all()
    ]
    return {**_invoice_out(invoice), "lines": lines}
