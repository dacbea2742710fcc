"""The isolation matrix (P2, P3, API3): every endpoint x every kind of caller.

Callers: a key of the project that owns the data, a key of another project of
the same account, a key of another account, a deleted key of the owning
project, a garbage key, no key at all. No answer to anyone but the owner may
carry the owner's data.
"""

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.transcripts.api_support import stored_transcript

pytestmark = pytest.mark.django_db

CALLERS = ("own", "sibling", "foreign", "deleted", "garbage", "none")
SECRET_TEXT = "the owners private words"


@dataclass
class Endpoint:
    method: str
    path: str  # formatted with the owner's objects
    body: object = None
    content_type: str = "application/json"


ENDPOINTS = {
    "upload": Endpoint("post", "/v2/upload", b"RIFF....WAVE", "application/octet-stream"),
    "upload_file": Endpoint("get", "/v2/upload/{upload}"),
    "create": Endpoint("post", "/v2/transcript", '{{"audio_url": "{upload_url}"}}'),
    "list": Endpoint("get", "/v2/transcript"),
    "get": Endpoint("get", "/v2/transcript/{transcript}"),
    "delete": Endpoint("delete", "/v2/transcript/{transcript}"),
}

# What each caller gets. Any key may upload to and list its own project.
EXPECTED = {
    "upload": dict(own=200, sibling=200, foreign=200),
    "upload_file": dict(own=200, sibling=404, foreign=404),
    "create": dict(own=200, sibling=403, foreign=403),
    "list": dict(own=200, sibling=200, foreign=200),
    "get": dict(own=200, sibling=404, foreign=404),
    "delete": dict(own=200, sibling=404, foreign=404),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_isolation(endpoint, caller, api_world):
    world = api_world
    transcript = stored_transcript(world.project, world.key, text=SECRET_TEXT)
    upload = transcript.upload
    facts = {
        "upload": upload.pk,
        "upload_url": f"http://testserver/v2/upload/{upload.pk}",
        "transcript": transcript.pk,
    }
    spec = ENDPOINTS[endpoint]
    path = spec.path.format(**facts)
    body = spec.body.format(**facts) if isinstance(spec.body, str) else spec.body
    client = Client()
    send = getattr(client, spec.method)
    kwargs = world.auth(caller)
    if body is not None:
        response = send(path, body, content_type=spec.content_type, **kwargs)
    else:
        response = send(path, **kwargs)

    expected = EXPECTED[endpoint].get(caller, 401)
    assert response.status_code == expected, (endpoint, caller, response.content[:200])
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8", "replace")
    if caller == "own":
        return
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json() or expected == 200
    # SECURITY: nothing of the owner's project leaks to any other caller.
    for secret in (str(transcript.pk), str(upload.pk), SECRET_TEXT):
        if endpoint == "create" and secret == str(upload.pk):
            continue  # the caller sent that id themselves
        assert secret not in content, (endpoint, caller, secret)
    transcript.refresh_from_db()
    assert transcript.deleted_at is None
    assert transcript.text == SECRET_TEXT
