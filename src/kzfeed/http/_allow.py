"""What the address guard lets through: public Internet addresses, and the non-public places
the operator allows (``[fetch] allow_private``, an :class:`AllowList`).

Apart from ``_guard`` (which imports httpx) so that a fetch policy can check its allow-list, and
a run that fetches nothing can build its policy, without importing the HTTP client.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kzfeed.errors import ConfigError

__all__ = ["AllowList", "IPAddress", "address_problem", "plain_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the IPv4 address is in the last 32 bits
_HOST_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_PREFIX_LENGTH = re.compile(r"\d{1,3}(\]?:\w*|\])?")  # after the "/" of a CIDR range


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` is not a public Internet address (``"a loopback address"``), or ``None``."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None
        )
        if embedded is not None:
            return address_problem(embedded)
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address (this machine)"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services such as 169.254.169.254 live)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a carrier-grade NAT address (100.64.0.0/10)"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "a unique-local IPv6 address (fc00::/7)"
    if isinstance(address, ipaddress.IPv4Address) and any(address in n for n in _RFC1918):
        return "a private-network address"
    if address.is_reserved or address.is_private or not address.is_global:
        return "a reserved address, not routed on the Internet"
    return None


@dataclass(frozen=True, slots=True)
class _Rule:
    text: str
    network: IPNetwork | None
    host: str | None
    port: int | None

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return plain_host(host) == self.host
        assert self.network is not None
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return any(a.version == self.network.version and a in self.network for a in (address, mapped) if a)


class AllowList:
    """The non-public places the operator lets kzfeed fetch from: addresses (``"127.0.0.1"``),
    CIDR ranges (``"10.1.0.0/16"``) or host names (``"intranet.example"``), each optionally
    with a port (``"127.0.0.1:8080"``, ``"[::1]:8080"``). Nothing else that is not public."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries: tuple[str, ...] = tuple(entries)
        self._rules = tuple(_parse_entry(entry) for entry in self.entries)

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        """Whether a connection to ``address`` (resolved from ``host``) on ``port`` is let through."""
        return address_problem(address) is None or any(r.allows(host, address, port) for r in self._rules)


def _parse_entry(entry: object) -> _Rule:
    def bad(why: str) -> ConfigError:
        return ConfigError(
            f"[fetch] allow_private: {entry!r} {why}; write an address, a CIDR range or a host name, "
            'optionally with a port: "127.0.0.1:8080", "10.1.0.0/16", "[::1]:8080", "intranet.example"'
        )

    if not isinstance(entry, str) or not entry.strip():
        raise bad("is not a non-empty string")
    text = entry.strip().lower()
    if "://" in text or ("/" in text and not _PREFIX_LENGTH.fullmatch(text.split("/", 1)[1])):
        raise bad("is a URL or a path, not an address, range or host name")
    port: int | None = None
    if text.startswith("["):  # [v6 address or range] with an optional :port
        inside, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise bad("has something after ']' that is not ':port'")
        text, port_text = inside, rest[1:] if rest else None
    elif text.count(":") == 1:
        text, port_text = text.split(":")
    else:
        port_text = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise bad(f"has port {port_text!r}, not a number from 1 to 65535")
        port = int(port_text)
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if "/" in text or ":" in text or (text.replace(".", "").isdigit() and text):
            raise bad(f"is not a valid address or range ({exc})") from exc
        host = plain_host(text)
        if not _HOST_NAME.match(host):
            raise bad("is not a valid host name") from exc
        return _Rule(entry, None, host, port)
    return _Rule(entry, network, None, port)


def plain_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()
