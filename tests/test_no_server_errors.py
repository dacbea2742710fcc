"""Bad input never gets a 500: every console URL, hit with junk, answers 2xx/3xx/4xx."""

import pytest
from django.urls import reverse

from tests.test_access_matrix import ROWS, build_world

JUNK_FORM = {
    "name": "x" * 500,
    "email": "not-an-email",
    "role": "owner",
    "account": "abc",
    "project": "-1",
    "api_key": "zz",
    "new_owner": "999999999",
    "confirm_name": "",
    "threshold": "-5",
    "thresholds": "5, -5",
    "amount": "1e309",
    "period": "forever",
    "group_by": "'; DROP TABLE",
    "start": "2026-13-45",
    "end": "yesterday",
    "page": "-3",
    "code": "<script>",
    "limit": "99999999999",
}
# Values at the edges of what the types hold.
EDGE_FORM = {
    "name": "nul\x00byte",
    "email": "a@example.com\x00",
    "role": "reader\x00",
    "account": "99999999999999999999",
    "project": "99999999999999999999",
    "key": "-99999999999999999999",
    "threshold": "1e400",
    "thresholds": "1e400, NaN",
    "amount": "NaN",
    "period": "custom",
    "start": "9999-12-31",
    "end": "9999-12-31",
    "granularity": "hour",
    "page": "99999999999999999999",
    "created_on": "9999-12-31",
    "status": "\x00",
    "action": "\x00",
    "limit": "-0",
}


@pytest.mark.parametrize("junk", [JUNK_FORM, EDGE_FORM], ids=["junk", "edges"])
@pytest.mark.parametrize("persona", ["owner", "reader", "outsider"])
@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_junk_input_is_never_a_server_error(url_name, persona, junk, team, clients):
    row = ROWS[url_name]
    world = build_world(team)
    url = reverse(url_name, kwargs=row.kwargs(world))
    client = clients[persona]
    headers = row.headers(world)
    for response in (
        client.get(url, junk, **headers),
        client.post(url, junk, **headers),
        client.post(url, "[1, 2", content_type="application/json", **headers),
    ):
        assert response.status_code < 500, (url, persona, response.status_code)
        if response.streaming:  # a download fails while it is read, not before
            b"".join(response.streaming_content)


@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_htmx_requests_with_junk_are_never_a_server_error(url_name, team, clients):
    """The htmx branches of views render fragments: those too answer 2xx/3xx/4xx."""
    row = ROWS[url_name]
    world = build_world(team)
    url = reverse(url_name, kwargs=row.kwargs(world))
    headers = {**row.headers(world), "HTTP_HX_REQUEST": "true"}
    client = clients["owner"]
    for response in (
        client.get(url, **headers),
        client.post(url, JUNK_FORM, **headers),
        client.post(url, row.data(world), **headers),
    ):
        assert response.status_code < 500, (url, response.status_code)
