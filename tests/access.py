"""The authorization matrix's vocabulary.

Each app lists its URLs in `tests/<app>/access.py` as `ROWS = {url_name: Expect(...)}`
and may add objects to the shared world with `world(team) -> dict`. The matrix
test walks the URL resolver: a console URL without a row fails it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PERSONAS = ("anonymous", "reader", "admin", "owner", "outsider")

LOGIN = "login"  # a redirect to the login page
OK = 200
REDIRECT = 302  # a redirect anywhere but the login page
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
UNAUTHORIZED = 401


@dataclass
class Expect:
    anonymous: Any
    reader: Any
    admin: Any
    owner: Any
    outsider: Any
    method: str = "get"
    # world -> URL kwargs; world -> POST data.
    kwargs: Callable[[dict], dict] = field(default=lambda world: {})
    data: Callable[[dict], dict] = field(default=lambda world: {})
    # Extra request headers, e.g. {"HTTP_AUTHORIZATION": ...}.
    headers: Callable[[dict], dict] = field(default=lambda world: {})

    def for_persona(self, persona):
        return getattr(self, persona)


def members_only(status=OK, *, outsider=None, **kwargs):
    """Every member gets `status`; anonymous goes to login; the outsider gets `outsider`."""
    return Expect(
        anonymous=LOGIN,
        reader=status,
        admin=status,
        owner=status,
        outsider=status if outsider is None else outsider,
        **kwargs,
    )


def managers_only(status=OK, *, outsider=None, **kwargs):
    """Owners and Admins get `status`, Readers 403; the outsider as for their own account."""
    return Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=status,
        owner=status,
        outsider=status if outsider is None else outsider,
        **kwargs,
    )
