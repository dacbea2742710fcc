"""Every console URL, for every persona, against the expected-access table (readthedocs style)."""

import importlib
import pkgutil

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.access import LOGIN, PERSONAS, REDIRECT

# URLs whose access is not the console's to decide: allauth's sign-in flow
# (public by design), the Django admin (staff only; tests/accounts/test_admin.py)
# and the admin API's operations (admin keys only: every operation x every kind of
# key in tests/console/test_admin_api_access.py, a session's 401 in test_admin_api.py).
EXCLUDED_MODULE_PREFIXES = ("allauth.", "django.contrib.admin.", "ninja.operation")
EXCLUDED_NAMESPACES = ("admin",)


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "") or ""
            if module.startswith(EXCLUDED_MODULE_PREFIXES):
                continue
            if entry.name is None:
                raise AssertionError(f"Unnamed URL pattern {entry.pattern}: name it.")
            yield f"{namespace}{entry.name}"


def console_url_names():
    return sorted(set(_walk(get_resolver().url_patterns)))


def _app_access_modules():
    """`tests/<app>/access.py` and any `tests/<app>/access_*.py` beside it."""
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        package = importlib.import_module(f"tests.{info.name}")
        for module in pkgutil.iter_modules(package.__path__):
            if module.name == "access" or module.name.startswith("access_"):
                yield importlib.import_module(f"tests.{info.name}.{module.name}")


def expected_rows():
    rows = {}
    for module in _app_access_modules():
        overlap = set(rows) & set(module.ROWS)
        assert not overlap, f"URL names listed twice: {overlap}"
        rows.update(module.ROWS)
    return rows


def build_world(team):
    world = {"account": team.account, "team": team}
    for module in _app_access_modules():
        if hasattr(module, "world"):
            world.update(module.world(team))
    return world


ROWS = expected_rows()


def test_every_console_url_has_a_row():
    missing = [name for name in console_url_names() if name not in ROWS]
    assert not missing, f"Add these URLs to a tests/<app>/access.py table: {missing}"
    stale = [name for name in ROWS if name not in console_url_names()]
    assert not stale, f"These rows name URLs that no longer exist: {stale}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_access(url_name, persona, team, clients):
    row = ROWS[url_name]
    world = build_world(team)
    url = reverse(url_name, kwargs=row.kwargs(world))
    client = clients[persona]
    send = getattr(client, row.method)
    response = send(url, data=row.data(world), **row.headers(world))
    expected = row.for_persona(persona)
    login_url = reverse(settings.LOGIN_URL)
    if expected == LOGIN:
        assert response.status_code == 302, (url, persona, response.status_code)
        assert response["Location"].startswith(login_url), (url, persona, response["Location"])
    elif expected == REDIRECT:
        assert response.status_code == 302, (url, persona, response.status_code)
        assert not response["Location"].startswith(login_url), (url, persona)
    else:
        assert response.status_code == expected, (url, persona, response.status_code)
