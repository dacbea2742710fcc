"""IP allowlists and the client address (K7): IPv4, IPv6, proxies believed or not."""

import pytest
from django.test import Client
from django.urls import reverse

from apikeys.models import ApiKey
from apikeys.network import clean_allowlist, client_address
from apikeys.services import apikey_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(team, issue_key):
    issued = issue_key()
    apikey_update(
        account=team.account,
        actor=team.owner,
        api_key=issued.api_key,
        scope="full",
        allowed_ips=["203.0.113.0/24", "198.51.100.7", "2001:db8:1::/48"],
    )
    return issued


def _get(secret, remote, **headers):
    return Client().get("/v2/transcript", HTTP_AUTHORIZATION=secret, REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    "remote, allowed",
    [
        ("203.0.113.0", True),
        ("203.0.113.255", True),
        ("203.0.114.0", False),
        ("198.51.100.7", True),
        ("198.51.100.8", False),
        ("::ffff:203.0.113.9", True),  # IPv4-mapped, as a dual-stack socket reports it
        ("2001:db8:1:ffff::1", True),
        ("2001:db8:2::1", False),
        ("::1", False),
    ],
)
def test_ipv4_and_ipv6_allowlists(key, remote, allowed):
    response = _get(key.secret, remote)
    if allowed:
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403
        shown = remote.removeprefix("::ffff:")
        assert response.json() == {"error": f"This API key cannot be used from {shown}"}


def test_a_key_without_a_list_works_from_anywhere(issue_key):
    assert _get(issue_key().secret, "192.0.2.1").status_code == 200


def test_a_spoofed_forwarded_for_counts_for_nothing_without_a_trusted_proxy(key, settings):
    settings.TRUSTED_PROXY_CIDRS = []
    response = _get(key.secret, "192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert response.status_code == 403
    assert response.json()["error"].endswith("from 192.0.2.1")
    # Nor from a proxy that is not the trusted one.
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    response = _get(key.secret, "192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert response.status_code == 403


def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client(key, settings):
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8", "fd00::/8"]
    ok = _get(key.secret, "10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.5, 10.9.9.9")
    assert ok.status_code == 200
    assert ApiKey.objects.get(pk=key.api_key.pk).last_used_ip == "203.0.113.5"
    # The client wrote an allowed address at the left; the proxy appended the real one.
    spoofed = _get(key.secret, "fd00::1", HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.66")
    assert spoofed.status_code == 403
    assert spoofed.json()["error"].endswith("from 192.0.2.66")


@pytest.mark.parametrize(
    "meta, address",
    [
        ({"REMOTE_ADDR": "192.0.2.1"}, "192.0.2.1"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "10.0.0.5, 10.0.0.9"}, "10.0.0.5"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "junk, 10.0.0.9"}, "10.0.0.9"),
        ({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": ""}, "10.0.0.1"),
        ({"REMOTE_ADDR": "not an address"}, ""),
    ],
)
def test_client_address(meta, address, settings):
    settings.TRUSTED_PROXY_CIDRS = ["10.0.0.0/8"]
    assert client_address(meta) == address


def test_entries_are_normalised_and_bad_ones_named():
    assert clean_allowlist("203.0.113.7, 2001:DB8::/32\n\n203.0.113.7/32") == [
        "203.0.113.7",
        "2001:db8::/32",
    ]
    with pytest.raises(Exception) as refused:
        clean_allowlist("10.0.0.300\n10.0.0.1/24\n2001:db8::/129")
    messages = refused.value.messages
    assert messages[0].startswith("“10.0.0.300” is not an IP address or a CIDR range")
    assert messages[1] == "“10.0.0.1/24” has host bits set: did you mean 10.0.0.0/24?"
    assert "2001:db8::/129" in messages[2]


def test_invalid_ranges_are_a_form_error_on_create_and_edit(team, clients, project, issue_key):
    client = clients["owner"]
    response = client.post(
        reverse("apikeys:create"),
        {"project": project.pk, "name": "Bad list", "allowed_ips": "10.0.0.0/33"},
    )
    assert response.status_code == 200
    assert "“10.0.0.0/33” is not an IP address or a CIDR range" in response.content.decode()
    assert not ApiKey.objects.filter(name="Bad list").exists()

    issued = issue_key()
    response = client.post(
        reverse("apikeys:update", args=[issued.api_key.pk]),
        {"scope": "read", "allowed_ips": "192.168.1.1/24"},
    )
    assert response.status_code == 400
    assert "did you mean 192.168.1.0/24?" in response.content.decode()
    assert ApiKey.objects.get(pk=issued.api_key.pk).scope == "full"
