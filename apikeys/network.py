"""Client addresses and per-key IP allowlists (K7).

The client is REMOTE_ADDR, unless REMOTE_ADDR is one of the proxies named in
`settings.TRUSTED_PROXY_CIDRS`: then X-Forwarded-For is walked from the right,
skipping trusted proxies, and the first address not trusted is the client.
"""

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A longer allowlist is a sign of a mistake (and costs every request of the key).
MAX_ALLOWLIST_ENTRIES = 50


def parse_address(value: str) -> IPAddress | None:
    """An IP address, IPv4-mapped IPv6 read as IPv4; None when `value` is not one."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id:
            return ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


@lru_cache(maxsize=1024)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXY_CIDRS", ()) or ()))


def _within(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address in network for network in networks)


def client_address(meta: dict) -> str:
    """The address a request came from, as text ("" when there is none)."""
    remote = parse_address(meta.get("REMOTE_ADDR") or "")
    if remote is None:
        return ""
    proxies = trusted_proxies()
    if not proxies or not _within(remote, proxies):
        # SECURITY: X-Forwarded-For is anybody's to write; only trusted proxies' counts.
        return str(remote)
    client = remote
    for hop in reversed((meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = parse_address(hop)
        if address is None:
            break  # garbage where a proxy should have written an address: stop at that proxy
        client = address
        if not _within(address, proxies):
            break
    return str(client)


def allowlist_permits(entries: Sequence[str], address: str) -> bool:
    """Whether `address` is inside one of the allowlist's networks (an empty list allows all)."""
    if not entries:
        return True
    parsed = parse_address(address)
    return parsed is not None and _within(parsed, _networks(tuple(entries)))


def clean_allowlist(text: str | Iterable[str]) -> list[str]:
    """Parse addresses and CIDR ranges (one per line or comma-separated), normalised.

    Raises ValidationError naming each entry that is not an address or a range.
    """
    raw = text.replace(",", "\n").splitlines() if isinstance(text, str) else list(text)
    entries: list[str] = []
    errors = []
    for item in (entry.strip() for entry in raw):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(item, strict=False)
            except ValueError:
                errors.append(
                    f"“{item[:60]}” is not an IP address or a CIDR range "
                    "(for example 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32)."
                )
            else:
                errors.append(f"“{item}” has host bits set: did you mean {loose}?")
            continue
        single = network.num_addresses == 1
        normalised = str(network.network_address) if single else str(network)
        if normalised not in entries:
            entries.append(normalised)
    if errors:
        raise ValidationError(errors)
    if len(entries) > MAX_ALLOWLIST_ENTRIES:
        raise ValidationError(f"List at most {MAX_ALLOWLIST_ENTRIES} addresses or ranges.")
    return entries
