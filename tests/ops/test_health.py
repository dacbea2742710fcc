"""GET /health for load balancers and uptime checks."""

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_answers_ok_without_login_or_redirect():
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_when_the_database_does_not_answer(settings):
    # A real outage: this connection points at a port nothing listens on.
    original = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1", NAME=original["NAME"])
    try:
        response = Client().get("/health")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_health_answers_a_session_that_still_owes_its_mfa_code(team):
    from tests.conftest import login_client
    from tests.factories import enrol_mfa

    enrol_mfa(team.owner)
    client = login_client(team.owner, team.account)  # signed in, no code given yet
    assert client.get("/health").status_code == 200
    assert client.get("/projects/").status_code == 302
