"""Service-token endpoints that spend limits stand behind (C1): producers ask before they
start work, and streaming sessions open only under their limits.

Same authentication and error shape as the usage endpoints (reporting.usage.api).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone

from accounts.models import Account
from apikeys.models import ApiKey
from projects.models import Project
from reporting import pricing
from reporting.limits.models import SpendReservation
from reporting.limits.services import (
    spend_limit_note_refusal,
    spend_reserve,
    worst_case_micros,
)
from reporting.limits.values import MAX_LIMIT, SpendLimitReached
from reporting.usage import services as usage
from reporting.usage.api import error_response, service_endpoint, session_json
from reporting.usage.forms import MAX_ID, MAX_QUANTITY


def _id(body: dict, name: str, *, required: bool = False) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValidationError({name: f"{name} must be a positive integer."})
    return value


def _targets(body: dict) -> tuple[Account, Project | None, ApiKey | None]:
    """The account, project and key a request names, each checked against the one above it."""
    account_id = _id(body, "account_id", required=True)
    project_id, key_id = _id(body, "project_id"), _id(body, "api_key_id")
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise ValidationError({"account_id": "No such account."})
    # SECURITY: a project or key is only ever one of the account's own.
    project = None
    if project_id is not None:
        project = Project.objects.for_account(account).filter(pk=project_id).first()
        if project is None:
            raise ValidationError({"project_id": "No such project in this account."})
    api_key = None
    if key_id is not None:
        keys = ApiKey.objects.for_account(account).select_related("project")
        api_key = (keys.filter(project=project) if project else keys).filter(pk=key_id).first()
        if api_key is None:
            raise ValidationError({"api_key_id": "No such API key in this project."})
        project = project or api_key.project
    return account, project, api_key


def _estimate(body: dict) -> int:
    """The work's most it may cost: `estimate_micros`, or a product, model and quantity priced now."""
    if "estimate_micros" in body:
        value = body["estimate_micros"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
            raise ValidationError(
                {"estimate_micros": "estimate_micros must be a whole number of micro-dollars."}
            )
        return value
    product, model, unit = body.get("product"), body.get("model"), body.get("unit")
    quantity = body.get("quantity")
    if not isinstance(product, str) or not isinstance(model, str):
        raise ValidationError(
            {"estimate_micros": "Send estimate_micros, or the product, model and quantity."}
        )
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 0 <= quantity <= MAX_QUANTITY
    ):
        raise ValidationError({"quantity": "quantity must be a whole number of seconds or tokens."})
    if unit is not None and not isinstance(unit, str):
        raise ValidationError({"unit": "unit must be a string."})
    try:
        return pricing.cost_micros(
            product=product,
            model=model,
            unit=pricing.unit_for(product, unit),
            quantity=quantity,
            at=timezone.now(),
        )
    except pricing.PricingError as error:
        raise ValidationError({"model": str(error)}) from error


def _bad_request(error: ValidationError) -> JsonResponse:
    field, messages = next(iter(error.message_dict.items()))
    status = 404 if messages and messages[0].startswith("No such") else 400
    return error_response(status, " ".join(messages), field=field)


def _refused(refusal: SpendLimitReached) -> JsonResponse:
    spend_limit_note_refusal(refusal)
    limit = refusal.limit
    return error_response(
        429,
        refusal.message,
        allowed=False,
        limit={
            "id": limit.pk,
            "scope": limit.scope,
            "target": limit.target_label,
            "target_id": limit.target_id,
            "amount_micros": limit.amount_micros,
            "spent_micros": refusal.spent_micros,
        },
    )


@service_endpoint
def usage_authorize(request, body):
    """May this account (project, key) start work costing up to the estimate? If so, the
    estimate is held until an event naming `reservation_id` settles it (or it is released)."""
    try:
        account, project, api_key = _targets(body)
        estimate = _estimate(body)
    except ValidationError as error:
        return _bad_request(error)
    try:
        with transaction.atomic():
            reservation = spend_reserve(
                account_id=account.pk,
                project_id=project.pk if project else None,
                api_key_id=api_key.pk if api_key else None,
                amount_micros=estimate,
                kind=SpendReservation.Kind.AUTHORIZATION,
                hold_without_limit=True,
            )
    except SpendLimitReached as refusal:
        return _refused(refusal)
    assert reservation is not None
    return JsonResponse(
        {"allowed": True, "reservation_id": str(reservation.pk), "amount_micros": estimate}
    )


@service_endpoint
def usage_reservation_release(request, body, reservation_id):
    """The authorized work will record no usage: its reservation stops counting.

    Only a producer's own authorization, named with its account: a transcript's or
    a streaming session's hold ends with that work, never from here.
    """
    try:
        account_id = _id(body, "account_id", required=True)
    except ValidationError as error:
        return _bad_request(error)
    # SECURITY: looked up within the account, and among producer authorizations only.
    reservation = SpendReservation.objects.filter(
        pk=reservation_id, account_id=account_id, kind=SpendReservation.Kind.AUTHORIZATION
    ).first()
    if reservation is None:
        return error_response(404, "No such reservation.")
    with transaction.atomic():
        released = SpendReservation.objects.filter(
            pk=reservation.pk, status=SpendReservation.Status.OPEN
        ).update(status=SpendReservation.Status.RELEASED, closed_at=timezone.now())
    reservation.refresh_from_db()
    return JsonResponse(
        {"id": str(reservation.pk), "status": reservation.status, "released": bool(released)}
    )


@service_endpoint
def streaming_sessions(request, body):
    """Open a streaming session for a live project (and optionally one of its keys).

    Refused (429) when a limit covering it is already reached; otherwise its
    worst case (the maximum duration) is held until it closes.
    """
    project_id, key_id = body.get("project_id"), body.get("api_key_id")
    if isinstance(project_id, bool) or not isinstance(project_id, int):
        return error_response(400, "project_id is required (an integer).", field="project_id")
    project = Project.objects.live().filter(pk=project_id).first()
    if project is None:
        return error_response(404, "No such project.", field="project_id")
    api_key = None
    if key_id is not None:
        if isinstance(key_id, bool) or not isinstance(key_id, int):
            return error_response(400, "api_key_id must be an integer.", field="api_key_id")
        # SECURITY: only a live key of that very project.
        api_key = ApiKey.objects.for_project(project).filter(pk=key_id).first()
        if api_key is None:
            return error_response(404, "No such API key in this project.", field="api_key_id")
    model = body.get("model")
    if not isinstance(model, str):
        return error_response(400, "model is required.", field="model")
    try:
        with transaction.atomic():
            session = usage.streaming_session_open(project=project, api_key=api_key, model=model)
            reservation = spend_reserve(
                account_id=project.account_id,
                project_id=project.pk,
                api_key_id=api_key.pk if api_key else None,
                amount_micros=lambda: worst_case_micros(
                    product=pricing.STREAMING, model=model, seconds=usage.STREAMING_MAX_SECONDS
                ),
                kind=SpendReservation.Kind.STREAMING,
                reference=f"streaming:{session.pk}",
                refuse_reached_only=True,
            )
            if reservation is not None:
                session.reservation_id = reservation.pk
                session.save(update_fields=["reservation_id"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        return error_response(400, " ".join(messages), field=field)
    except SpendLimitReached as refusal:
        return _refused(refusal)
    return JsonResponse(session_json(session), status=201)
