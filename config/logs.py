"""Logging that a person can read: a refused request is one line, not a traceback."""

import logging


class QuietRefusals(logging.Filter):
    """A 4xx that Django logs (403, 404, 400...) keeps its one-line message, loses its
    traceback: a refusal is expected behaviour, not a fault to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.") and status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class NoRefusals(logging.Filter):
    """runserver's request line of a 4xx is left out: django.request already wrote the
    refusal's one line, with its reason ("Forbidden (Your role (Reader) ...): /members/")."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        return status is None or not 400 <= status < 500
