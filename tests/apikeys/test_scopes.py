"""Scopes (K7): every /v2 route and method for every scope, from the spec's words.

full: everything. transcribe: upload, create, get its own transcripts. read: list,
get, sentences, paragraphs, subtitles, word search (and the uploaded audio).
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apikeys.scopes import ROUTE_SCOPES, Scope
from tests.transcripts.api_support import make_key, stored_transcript

pytestmark = pytest.mark.django_db

# What the spec says, written apart from apikeys/scopes.py so that each checks the other.
TRANSCRIBE = {("v2:upload", "POST"), ("v2:transcripts", "POST"), ("v2:transcript", "GET")}
READ_WRITES = {("v2:upload", "POST"), ("v2:transcripts", "POST"), ("v2:transcript", "DELETE")}


def expected_allowed(scope, route, method) -> bool:
    if scope == Scope.FULL:
        return True
    if scope == Scope.TRANSCRIBE:
        return (route, method) in TRANSCRIBE
    # read: every GET (routes added later are reads: sentences, subtitles, search...).
    return method == "GET" and (route, method) not in READ_WRITES


def api_routes():
    """(URL name, pattern, method) of every key-authenticated /v2 view."""

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and hasattr(entry.callback, "api_methods"):
                for method in entry.callback.api_methods:
                    yield f"{namespace}{entry.name}", entry, method

    return sorted(walk(get_resolver().url_patterns), key=lambda row: (row[0], row[2]))


ROUTES = api_routes()


def test_every_v2_route_and_method_has_a_scope_row():
    assert ROUTES, "no /v2 routes found"
    missing = [(name, method) for name, _, method in ROUTES if (name, method) not in ROUTE_SCOPES]
    assert not missing, f"Add these to apikeys/scopes.py ROUTE_SCOPES: {missing}"


def test_a_route_without_a_row_is_refused_to_restricted_keys():
    from apikeys.scopes import allows

    assert not allows(Scope.READ, "v2:a_new_route", "GET")
    assert not allows(Scope.TRANSCRIBE, "v2:a_new_route", "POST")
    assert allows(Scope.FULL, "v2:a_new_route", "DELETE")


@pytest.fixture
def world(team):
    from projects.models import Project

    project = Project.objects.create(account=team.account, name="Scopes")
    secrets, transcripts = {}, {}
    for scope in Scope:
        key, secrets[scope] = make_key(project, f"{scope} key")
        key.scope = scope
        key.save(update_fields=["scope"])
        transcripts[scope] = stored_transcript(project, key)
    return secrets, transcripts


def _url(pattern, name, transcript):
    kwargs = {}
    for kwarg in pattern.pattern.converters:
        kwargs[kwarg] = str(transcript.upload_id if kwarg == "upload_id" else transcript.pk)
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("scope", list(Scope))
def test_the_scope_matrix(scope, world):
    secrets, transcripts = world
    client = Client()
    checked = []
    for name, pattern, method in ROUTES:
        url = _url(pattern, name, transcripts[scope])
        response = client.generic(
            method,
            url,
            b'{"audio_url": "http://testserver/v2/upload/x"}' if method == "POST" else b"",
            content_type="application/json" if method == "POST" else "",
            HTTP_AUTHORIZATION=secrets[scope],
        )
        refused = response.status_code == 403 and "scope is" in response.json().get("error", "")
        allowed = expected_allowed(scope, name, method)
        assert refused != allowed, (scope, name, method, response.status_code, response.content)
        if refused:
            error = response.json()["error"]
            assert error.startswith(f"This API key's scope is {scope}: {method} {url} needs the ")
            assert error.endswith("full scope.")
        checked.append((name, method))
    assert ("v2:transcript", "DELETE") in checked


def test_the_refusal_names_the_scope_needed(world):
    secrets, _ = world
    response = Client().post(
        "/v2/upload", b"RIFF", content_type="audio/wav", HTTP_AUTHORIZATION=secrets[Scope.READ]
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": "This API key's scope is read: POST /v2/upload needs the transcribe or full scope."
    }


def test_a_transcribe_key_gets_only_its_own_transcripts(team, world):
    secrets, transcripts = world
    client = Client()
    own = transcripts[Scope.TRANSCRIBE]
    other = transcripts[Scope.FULL]  # same project, made by another key
    get = lambda transcript, scope: client.get(  # noqa: E731
        f"/v2/transcript/{transcript.pk}", HTTP_AUTHORIZATION=secrets[scope]
    )
    assert get(own, Scope.TRANSCRIBE).status_code == 200
    assert get(other, Scope.TRANSCRIBE).status_code == 404
    assert get(other, Scope.READ).status_code == 200
