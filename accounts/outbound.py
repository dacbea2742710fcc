"""Outbound HTTP to addresses our callers choose (remote audio, webhooks), guarded against SSRF.

Whoever names the URL must not reach what only this server can reach: before
every connection, the first one and each redirect's, the host is resolved and
every address it resolves to must be public (not loopback, private, link-local,
multicast, reserved, unspecified or shared; IPv4 inside IPv6 is judged as the
IPv4 it carries). The connection then goes to the address that was vetted
(the request names the host in `Host` and in TLS SNI, so certificates are still
checked against it), so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot swap it. Proxies from the environment are never
used. `settings.OUTBOUND_ALLOWED_NETWORKS` (CIDRs) lets a self-hosted install
reach its own LAN, and the tests reach 127.0.0.1.

Two calls, each with a timeout:
- `fetch_to(url, dest, max_bytes=, timeout=)`: GET, following up to 5 redirects
  (each vetted), the body streamed into a file and cut off past `max_bytes`;
  the timeout bounds the whole download, not only each read;
- `post_json(url, payload, headers=, timeout=)`: POST, redirects not followed
  (a receiver answers itself); returns the status code, the body is not read
  (`post_body` sends bytes the caller already serialised, e.g. to sign them).
Both raise `OutboundError` (a `ServiceError`) with a message fit to show the
person who gave the URL: it never names the addresses a host resolved to.

Built on the standard library's `ipaddress` and httpx: the SSRF packages on
PyPI are young one-person projects or wrap requests.
"""

import ipaddress
import json
import socket
import time
from collections.abc import Mapping
from functools import cache
from typing import IO, Any

import httpx
from django.conf import settings

from accounts.errors import ServiceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_REDIRECTS = 5
USER_AGENT = "speech-console"
_REDIRECTS = (301, 302, 303, 307, 308)
# IPv6 prefixes that carry an IPv4 address in their low 32 bits (NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class OutboundError(ServiceError):
    """An outbound request that was refused or failed; `message` may be shown to the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DestinationRefused(OutboundError):
    """The URL, or an address its host resolves to, is one this server does not connect to."""


class ResponseTooLarge(OutboundError):
    """The answer is longer than the caller's cap."""


class RequestFailed(OutboundError):
    """No usable answer: the host is unknown or unreachable, too slow, or answered an error."""


@cache
def _parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The networks `settings.OUTBOUND_ALLOWED_NETWORKS` opens, loopback or private or not."""
    return _parse_networks(tuple(getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", ())))


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that route to an IPv4 address are as public as that address.
        if ip.sixtofour is not None and not _is_public(ip.sixtofour):
            return False
        if ip.teredo is not None and not all(_is_public(inner) for inner in ip.teredo):
            return False
        if any(ip in prefix for prefix in _NAT64):
            return _is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local:
            return False
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def address_allowed(ip: IPAddress) -> bool:
    """Whether this server may connect to `ip`: a public address, or one in an allowed network."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in allowed_networks()):
        return True
    return _is_public(ip)


def check_url(url: str) -> httpx.URL:
    """The URL parsed, if it is an absolute http(s) URL with a host; no DNS is asked."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise DestinationRefused("The URL is not a valid http(s) URL.") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise DestinationRefused("The URL must start with http:// or https:// and name a host.")
    return parsed


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` stands for, once; refused if any of them is not allowed."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            raise RequestFailed(f"The host {host} could not be resolved.") from None
        addresses = []
        for *_, sockaddr in answers:
            # The scope of a link-local IPv6 address ("fe80::1%eth0") is not part of it.
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise RequestFailed(f"The host {host} could not be resolved.")
    # SECURITY: one address outside what is allowed refuses the host, whichever would be used.
    if not all(address_allowed(address) for address in addresses):
        raise DestinationRefused(
            f"The host {host} is on a network this server does not connect to "
            "(loopback, private, link-local, multicast or reserved addresses)."
        )
    return addresses


def _pinned(
    client: httpx.Client,
    method: str,
    url: httpx.URL,
    *,
    headers: Mapping[str, str],
    content: bytes | None,
    timeout: httpx.Timeout,
) -> httpx.Request:
    """A request for `url` that connects to the vetted address of its host, and to no other."""
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.raw_host.decode("ascii")
    address = resolve(host, port)[0]
    request_headers = httpx.Headers(headers)
    request_headers["Host"] = url.netloc.decode("ascii")
    request_headers.setdefault("User-Agent", USER_AGENT)
    extensions: dict[str, Any] = {}
    if url.scheme == "https":
        # Certificates are checked against the name, while the socket goes to the address.
        extensions["sni_hostname"] = host
    return client.build_request(
        method,
        url.copy_with(host=str(address)),
        headers=request_headers,
        content=content,
        timeout=timeout,
        extensions=extensions,
    )


def _client() -> httpx.Client:
    # SECURITY: trust_env=False: an HTTP(S)_PROXY in the environment would connect for us.
    return httpx.Client(trust_env=False, follow_redirects=False)


def _read(response: httpx.Response, dest: IO[bytes], *, max_bytes: int, deadline: float) -> int:
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise ResponseTooLarge(f"The answer is larger than {max_bytes} bytes.")
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"The answer is larger than {max_bytes} bytes.")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("too slow", request=response.request)
        dest.write(chunk)
    return size


def _failed(exc: httpx.HTTPError) -> RequestFailed:
    if isinstance(exc, httpx.TimeoutException):
        return RequestFailed("The server took too long to answer.")
    if isinstance(exc, httpx.ConnectError):
        return RequestFailed("Could not connect to the server.")
    return RequestFailed("The request failed before a complete answer came.")


def fetch_to(url: str, dest: IO[bytes], *, max_bytes: int, timeout: float) -> int:
    """GET `url` (following vetted redirects) into `dest`; return the bytes written."""
    current = check_url(url)
    deadline = time.monotonic() + timeout
    limits = httpx.Timeout(timeout)
    try:
        with _client() as client:
            for _ in range(MAX_REDIRECTS + 1):
                request = _pinned(client, "GET", current, headers={}, content=None, timeout=limits)
                response = client.send(request, stream=True)
                try:
                    location = response.headers.get("Location")
                    if response.status_code in _REDIRECTS and location:
                        # Relative to the name, not to the address it was pinned to.
                        current = check_url(str(current.join(location)))
                        continue
                    if not response.is_success:
                        raise RequestFailed(f"The server answered HTTP {response.status_code}.")
                    return _read(response, dest, max_bytes=max_bytes, deadline=deadline)
                finally:
                    response.close()
    except httpx.HTTPError as exc:
        raise _failed(exc) from None
    except httpx.InvalidURL:
        raise RequestFailed("The server redirected to an invalid URL.") from None
    raise RequestFailed(f"More than {MAX_REDIRECTS} redirects.")


def post_json(
    url: str, payload: Any, *, headers: Mapping[str, str] | None = None, timeout: float
) -> int:
    """POST `payload` as JSON to `url` (redirects are not followed); return the status code."""
    return post_body(url, json.dumps(payload).encode(), headers=headers, timeout=timeout)


def post_body(
    url: str, body: bytes, *, headers: Mapping[str, str] | None = None, timeout: float
) -> int:
    """POST these exact JSON bytes (a signature covers them) to `url`; return the status code."""
    target = check_url(url)
    limits = httpx.Timeout(timeout)
    sent = {**(headers or {}), "Content-Type": "application/json"}
    try:
        with _client() as client:
            request = _pinned(client, "POST", target, headers=sent, content=body, timeout=limits)
            # The status is the answer; the body is not read.
            response = client.send(request, stream=True)
            response.close()
            return response.status_code
    except httpx.HTTPError as exc:
        raise _failed(exc) from None
