"""Service-token endpoints for the platform's other producers of usage (API2, U3).

Not for customers: authenticated by INTERNAL_SERVICE_TOKEN, never by an API key
or a session. Answers are JSON; errors are `{"error": "...", ...}`.
"""

import hmac
import json
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from reporting.usage import services
from reporting.usage.forms import parse_usage_events
from reporting.usage.models import StreamingSession
from reporting.usage.values import UsageBatchError


def _json_number(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, exactly; one beyond Decimal's range
    (1e9999999999999999999) is infinite, so the field it is in is refused by name."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal("-Infinity" if text.startswith("-") else "Infinity")


def error_response(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _authorized(request) -> bool:
    expected = settings.INTERNAL_SERVICE_TOKEN
    presented = request.headers.get("Authorization", "").strip()
    if presented[:7].lower() == "bearer ":
        presented = presented[7:].strip()
    # SECURITY: no token configured means nobody gets in; compare in constant time.
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


def service_endpoint(view):
    """Service-token authentication, POST only, a size cap and JSON errors."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _authorized(request):
            return error_response(401, "A valid service token is required.")
        if request.method != "POST":
            response = error_response(405, f"{request.method} is not allowed here.")
            response["Allow"] = "POST"
            return response
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            return error_response(400, "Invalid Content-Length.")
        if length > settings.USAGE_INGEST_MAX_BYTES:
            return error_response(413, "The request body is too large.")
        try:
            body = json.loads(request.body or b"{}", parse_float=_json_number)
        except RequestDataTooBig:
            return error_response(413, "The request body is too large.")
        except (ValueError, UnicodeDecodeError):
            return error_response(400, "The body must be JSON.")
        except RecursionError:
            return error_response(400, "The body's JSON is nested too deeply.")
        if not isinstance(body, dict):
            return error_response(400, "The body must be a JSON object.")
        return view(request, body, *args, **kwargs)

    return wrapped


@service_endpoint
def usage_events(request, body):
    """Record a batch of up to 1,000 events, all or none; replays are reported as duplicates."""
    items = body.get("events")
    if not isinstance(items, list) or not items:
        return error_response(400, 'Send {"events": [...]} with at least one event.')
    if len(items) > settings.USAGE_INGEST_MAX_EVENTS:
        return error_response(
            413, f"At most {settings.USAGE_INGEST_MAX_EVENTS} events per request; split the batch."
        )
    events, errors = parse_usage_events(items)
    if not errors:
        try:
            result = services.usage_events_record(events=events)
        except UsageBatchError as error:
            errors = error.errors
    if errors:
        return error_response(422, "The batch was rejected; nothing was recorded.", errors=errors)
    return JsonResponse(
        {
            "accepted": len(result.created),
            "duplicates": len(result.duplicates),
            "duplicate_keys": result.duplicates,
        }
    )


def session_json(session: StreamingSession) -> dict:
    return {
        "id": str(session.pk),
        "status": "open" if session.closed_at is None else "closed",
        "project_id": session.project_id,
        "api_key_id": session.api_key_id,
        "model": session.model,
        "opened_at": session.opened_at.isoformat(),
        "closed_at": session.closed_at.isoformat() if session.closed_at else None,
        "billed_seconds": session.billed_seconds,
    }


@service_endpoint
def streaming_session_close(request, body, session_id):
    """Close a session: its duration is recorded now (U3). Closing twice changes nothing."""
    session = StreamingSession.objects.filter(pk=session_id).first()
    if session is None:
        return error_response(404, "No such streaming session.")
    session = services.streaming_session_close(session=session)
    return JsonResponse(session_json(session))
