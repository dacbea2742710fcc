"""The SSRF guard (accounts/outbound.py) against real sockets on 127.0.0.1, and sealed secrets.

Every request here goes to the loopback range only: refused destinations are
refused before any connection.
"""

import io
import ipaddress
import socket

import pytest

from accounts import outbound
from accounts.sealing import SealError, seal_text, unseal_text

WAV = b"RIFF" + b"\x00" * 2000


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "203.0.113.5",  # documentation
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    ],
)
def test_inner_addresses_are_refused(address):
    assert not outbound.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert outbound.address_allowed(ipaddress.ip_address(address))


def test_the_setting_opens_only_the_networks_it_lists(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32", "10.0.0.0/8"]
    assert outbound.address_allowed(ipaddress.ip_address("127.0.0.1"))
    assert outbound.address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert outbound.address_allowed(ipaddress.ip_address("10.200.0.1"))
    assert not outbound.address_allowed(ipaddress.ip_address("127.0.0.2"))
    assert not outbound.address_allowed(ipaddress.ip_address("192.168.0.1"))


def _fetch(url: str, **kwargs) -> bytes:
    sink = io.BytesIO()
    outbound.fetch_to(url, sink, max_bytes=kwargs.get("max_bytes", 10_000), timeout=5)
    return sink.getvalue()


def test_loopback_is_refused_without_the_setting(local_http):
    local_http.routes["/a.wav"] = (200, {}, WAV)
    for url in (local_http.url("/a.wav"), local_http.url("/a.wav", host="[::1]")):
        with pytest.raises(outbound.DestinationRefused):
            _fetch(url)
    assert local_http.received == []


def test_a_hostname_resolving_to_loopback_is_refused(local_http):
    local_http.routes["/a.wav"] = (200, {}, WAV)
    with pytest.raises(outbound.DestinationRefused) as refused:
        _fetch(local_http.url("/a.wav", host="localhost"))
    assert "localhost" in refused.value.message
    assert "127.0.0.1" not in refused.value.message  # never tells what a name resolves to
    assert local_http.received == []


def test_the_setting_lets_a_listed_network_through(local_http, loopback_allowed):
    local_http.routes["/a.wav"] = (200, {}, WAV)
    assert _fetch(local_http.url("/a.wav")) == WAV
    assert _fetch(local_http.url("/a.wav", host="localhost")) == WAV
    assert local_http.received[-1].headers["Host"] == f"localhost:{local_http.port}"


def test_every_redirect_is_vetted(local_http, loopback_allowed):
    # 127.0.0.2 is loopback too, outside the one address the setting allows.
    inner = local_http.url("/a.wav", host="127.0.0.2")
    local_http.routes["/go"] = (302, {"Location": inner}, b"")
    local_http.routes["/relative"] = (301, {"Location": "/a.wav"}, b"")
    local_http.routes["/a.wav"] = (200, {}, WAV)
    with pytest.raises(outbound.DestinationRefused):
        _fetch(local_http.url("/go"))
    assert [r.path for r in local_http.received] == ["/go"]
    assert _fetch(local_http.url("/relative")) == WAV
    for location in ("file:///etc/passwd", "http://:99/x", "http://exa mple.invalid/"):
        local_http.routes["/odd"] = (302, {"Location": location}, b"")
        with pytest.raises(outbound.OutboundError):
            _fetch(local_http.url("/odd"))


def test_redirect_loops_end(local_http, loopback_allowed):
    local_http.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(outbound.RequestFailed, match="redirects"):
        _fetch(local_http.url("/loop"))
    assert len(local_http.received) == outbound.MAX_REDIRECTS + 1


def test_the_connection_goes_to_the_vetted_address(local_http, loopback_allowed, monkeypatch):
    """DNS rebinding: a name that answers 127.0.0.1 when vetted and another address later."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            # Later answers point where nothing listens: a second lookup would fail the fetch.
            return real(next(answers, "127.0.0.3"), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    local_http.routes["/a.wav"] = (200, {}, WAV)
    assert _fetch(local_http.url("/a.wav", host="rebind.test")) == WAV
    assert local_http.received[0].headers["Host"] == f"rebind.test:{local_http.port}"


def test_size_cap_status_and_schemes(local_http, loopback_allowed):
    local_http.routes["/big"] = (200, {}, b"x" * 20_000)
    local_http.routes["/gone"] = (404, {}, b"")
    with pytest.raises(outbound.ResponseTooLarge):
        _fetch(local_http.url("/big"), max_bytes=10_000)
    with pytest.raises(outbound.RequestFailed, match="HTTP 404"):
        _fetch(local_http.url("/gone"))
    for url in ("ftp://127.0.0.1/a", "file:///etc/passwd", "not a url", "http://"):
        with pytest.raises(outbound.DestinationRefused):
            _fetch(url)
    with pytest.raises(outbound.RequestFailed, match="resolved"):
        _fetch("http://no-such-host.invalid/a.wav")


def test_environment_proxies_are_not_used(local_http, loopback_allowed, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.3:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.3:9")
    local_http.routes["/a.wav"] = (200, {}, WAV)
    assert _fetch(local_http.url("/a.wav")) == WAV


def test_post_json_sends_and_answers_the_status(local_http, loopback_allowed):
    local_http.routes["/hook"] = [(500, {}, b""), (204, {}, b"")]
    url = local_http.url("/hook")
    assert outbound.post_json(url, {"a": 1}, headers={"X-Token": "t"}, timeout=5) == 500
    assert outbound.post_json(url, {"a": 1}, headers={"X-Token": "t"}, timeout=5) == 204
    last = local_http.received[-1]
    assert (last.method, last.body, last.headers["X-Token"]) == ("POST", b'{"a": 1}', "t")
    assert last.headers["Content-Type"] == "application/json"


def test_post_json_is_guarded_too(local_http):
    with pytest.raises(outbound.DestinationRefused):
        outbound.post_json(local_http.url("/hook"), {}, timeout=5)
    assert local_http.received == []


def test_sealed_text_opens_only_for_its_purpose_and_key(settings):
    sealed = seal_text("Bearer s3cret-value", purpose="webhook")
    assert "s3cret" not in sealed
    assert unseal_text(sealed, purpose="webhook") == "Bearer s3cret-value"
    with pytest.raises(SealError):
        unseal_text(sealed, purpose="other")
    settings.SEALING_KEY = "another key"
    with pytest.raises(SealError):
        unseal_text(sealed, purpose="webhook")
