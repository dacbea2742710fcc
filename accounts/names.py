"""The one rule for names people type (accounts, projects, keys, users): no control characters.

A CR or LF in a name ends up in email headers, logs and CSV files; bidi overrides
make a name read differently from what it is. Every form and service that takes a
name uses `validate_name` or `clean_name`.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Invisible characters that reorder text (the "Trojan Source" set), refused with the controls.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
CONTROL_MESSAGE = (
    "Use letters, digits, spaces and punctuation only: no line breaks or control characters."
)


def has_control_characters(value: str) -> bool:
    return any(
        unicodedata.category(char) in {"Cc", "Zl", "Zp", "Cs", "Co", "Cn"} or char in _BIDI_CONTROLS
        for char in value
    )


def validate_name(value: str) -> None:
    """Django validator: refuse control characters (CR, LF, tab, NUL, bidi overrides...)."""
    if has_control_characters(value or ""):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def clean_name(
    value: str | None,
    *,
    what: str,
    max_length: int | None,
    field: str = "name",
    required: bool = True,
) -> str:
    """`value` stripped and checked, or ValidationError on `field` saying what to fix."""
    name = (value or "").strip()
    if not name and required:
        raise ValidationError({field: f"Enter a name for the {what}."})
    if max_length is not None and len(name) > max_length:
        raise ValidationError(
            {field: f"Use at most {max_length} characters for the {what}'s name."}
        )
    if has_control_characters(name):
        raise ValidationError({field: CONTROL_MESSAGE})
    return name
