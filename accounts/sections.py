"""Parts of the Account page that higher apps add (accounts imports none of them).

An app registers a function from its AppConfig.ready(); the Account page calls
each with the request and shows the HTML it returns, in registration order.
"""

from collections.abc import Callable

from django.http import HttpRequest

_sections: dict[str, Callable[[HttpRequest], str]] = {}


def register_account_section(name: str, render: Callable[[HttpRequest], str]) -> None:
    _sections[name] = render


def account_sections(request: HttpRequest) -> list[str]:
    return [render(request) for render in _sections.values()]
