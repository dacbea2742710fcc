"""Refusals that services raise, and the one way views show them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


class ServiceError(Exception):
    """A request a service refuses for a reason the person can act on (its message says how).

    Apps subclass it for their own refusals; views catch `SERVICE_ERRORS` and hand
    them to `show_error`, so a refusal is never a 500, whatever race caused it.
    """


SERVICE_ERRORS = (ValidationError, ServiceError)


def error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def show_error(
    request: HttpRequest, error: Exception, *, form: Form | None = None, field: str | None = None
) -> None:
    """On the form when the view has one (on `field`, or on the fields the error names),
    else as a message."""
    if form is None:
        messages.error(request, error_text(error))
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict") and field is None:
        # Errors about what the form does not ask for are the form's own.
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, error if isinstance(error, ValidationError) else error_text(error))
