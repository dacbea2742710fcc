"""The admin API's error shape, `{"error": {"type", "message", "field"}}`, and the statuses
each refusal maps to: a refusal is a 4xx, never a 500."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accounts.errors import ServiceError, error_text
from accounts.plans import LimitReached
from console.api.auth import AdminAuthFailed, RateLimited
from console.api.pagination import BadCursor

# Where a request's parts sit in a validation error's `loc`, and the names of body params.
_LOCATIONS = {"body", "query", "path", "header", "payload"}


def error_response(status: int, kind: str, message: str, field: str | None = None) -> JsonResponse:
    body: dict[str, Any] = {"type": kind, "message": message}
    if field:
        body["field"] = field
    return JsonResponse({"error": body}, status=status)


def _field_of(error: DjangoValidationError) -> str | None:
    if hasattr(error, "error_dict"):
        names = [name for name in error.error_dict if name != "__all__"]
        return names[0] if names else None
    return None


def _validation_message(error: DjangoValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for name, errors in error.message_dict.items():
            text = " ".join(errors)
            parts.append(text if name == "__all__" else f"{name}: {text}")
        return " ".join(parts)
    return error_text(error)


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn each refusal into its status."""

    @api.exception_handler(AdminAuthFailed)
    def unauthenticated(request: HttpRequest, exc: AdminAuthFailed) -> HttpResponse:
        response = error_response(401, "authentication_error", str(exc))
        response["WWW-Authenticate"] = 'Bearer realm="admin API"'
        return response

    @api.exception_handler(AuthenticationError)
    def unauthenticated_default(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, "authentication_error", "Send an admin key.")

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = error_response(429, "rate_limited", str(exc))
        response["Retry-After"] = str(exc.retry_after)
        response["X-RateLimit-Limit"] = str(exc.limit)
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, "permission_denied", str(exc) or "Not allowed.")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", str(exc) or "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return error_response(404, "not_found", "Not found.")

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        location = [str(part) for part in first.get("loc", ()) if part not in _LOCATIONS]
        field = ".".join(location) or None
        message = str(first.get("msg", "Invalid input."))
        return error_response(
            422, "invalid_request", f"{field}: {message}" if field else message, field
        )

    @api.exception_handler(BadCursor)
    def bad_cursor(request: HttpRequest, exc: BadCursor) -> HttpResponse:
        return error_response(422, "invalid_request", str(exc), "after")

    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return error_response(400, "invalid_request", _validation_message(exc), _field_of(exc))

    @api.exception_handler(LimitReached)
    def limit_reached(request: HttpRequest, exc: LimitReached) -> HttpResponse:
        return error_response(409, "limit_reached", str(exc))

    @api.exception_handler(ServiceError)
    def conflict(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return error_response(409, "conflict", str(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code, "invalid_request", str(exc.message))
