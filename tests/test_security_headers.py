"""Content-Security-Policy and Permissions-Policy on every kind of response."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import support_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"'nonce-([^']+)'")


def assert_policies(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, response
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    style_src = re.search(r"style-src ([^;]*)", csp).group(1)
    assert style_src.strip() == "'self'"
    permissions = response.headers.get("Permissions-Policy", "")
    assert "camera=()" in permissions and "microphone=()" in permissions
    return csp


def assert_scripts_carry_the_nonce(response):
    csp = assert_policies(response)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "expected htmx at least"
    nonces = NONCE.findall(csp)
    assert len(nonces) == 1
    for tag in scripts:
        if "application/json" in tag:
            continue
        assert f'nonce="{nonces[0]}"' in tag, tag


def test_pages_carry_both_policies_and_every_script_its_nonce(team, clients):
    for name in [
        "home",
        "apikeys:list",
        "projects:list",
        "reporting:usage",
        "accounts:mfa:security",
    ]:
        response = clients["owner"].get(reverse(name))
        assert response.status_code == 200, name
        assert_scripts_carry_the_nonce(response)
    assert_scripts_carry_the_nonce(Client().get(reverse("account_login")))


def test_each_response_gets_a_fresh_nonce(clients):
    first = assert_policies(clients["owner"].get(reverse("home")))
    second = assert_policies(clients["owner"].get(reverse("home")))
    assert NONCE.findall(first) != NONCE.findall(second)


def test_htmx_fragments_carry_the_policies(clients):
    response = clients["owner"].get(reverse("reporting:usage"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert_policies(response)


def test_error_pages_carry_the_policies(clients):
    assert_policies(clients["owner"].get("/no-such-page/"))  # 404
    forbidden = clients["reader"].get(reverse("reporting:billing"))
    assert forbidden.status_code == 403
    assert_policies(forbidden)
    bad = Client().get("/", HTTP_HOST="evil.example")  # DisallowedHost: 400
    assert bad.status_code == 400
    assert_policies(bad)


def test_downloads_and_the_api_carry_the_policies(clients):
    for name in ["accounts:audit_csv", "reporting:usage_csv"]:
        response = clients["owner"].get(reverse(name))
        assert response.status_code == 200
        assert "csv" in response["Content-Type"]
        assert_policies(response)
    assert_policies(Client().get("/v2/transcript"))  # 401 JSON
    assert_policies(Client().get(reverse("health")))


def test_the_support_admin_runs_under_the_same_policy():
    client = support_client(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:accounts_account_changelist"))
    assert response.status_code == 200
    assert_scripts_carry_the_nonce(response)
