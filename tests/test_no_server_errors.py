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
    "amount": "1e309",
    "period": "forever",
    "group_by": "'; DROP TABLE",
    "start": "2026-13-45",
    "end": "yesterday",
    "page": "-3",
    "code": "<script>",
    "limit": "99999999999",
}


@pytest.mark.parametrize("persona", ["owner", "reader", "outsider"])
@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_junk_input_is_never_a_server_error(url_name, persona, team, clients):
    row = ROWS[url_name]
    world = build_world(team)
    url = reverse(url_name, kwargs=row.kwargs(world))
    client = clients[persona]
    headers = row.headers(world)
    for response in (
        client.get(url, JUNK_FORM, **headers),
        client.post(url, JUNK_FORM, **headers),
        client.post(url, "[1, 2", content_type="application/json", **headers),
    ):
        assert response.status_code < 500, (url, persona, response.status_code)
