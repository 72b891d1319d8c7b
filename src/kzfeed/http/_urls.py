"""Canonical URLs: the one spelling of an article's address that kzfeed uses as its unique key.

``canonical_url`` is deliberately conservative: it removes only parameters known to track
readers, so two different articles never collapse into one key. ``is_same_site`` compares
registrable domains (courlan's public-suffix lookup), e.g. ``www.inform.kz`` and ``lenta.inform.kz``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from kzfeed.errors import InputError

__all__ = ["TRACKING_PARAMS", "TRACKING_PREFIXES", "canonical_url", "host_of", "is_same_site"]

#: query parameters (compared in lower case) that only track readers and are removed
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "yclid", "ysclid", "msclkid",
        "twclid", "ttclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
        "_openstat", "ref", "ref_src", "ref_url", "referrer", "xtor", "at_medium", "at_campaign",
    }
)  # fmt: skip
#: prefixes of tracking parameters (Google Analytics, Matomo, Piwik, HubSpot ads)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "mtm_", "pk_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# characters left as they are; everything else (spaces, non-ASCII, quotes, ...) is %-encoded
_PATH_SAFE = frozenset("%/:@!$&'()*+,;=") | _UNRESERVED
_QUERY_SAFE = _PATH_SAFE | frozenset("?")


def canonical_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url``, resolved against ``base`` when it is relative.

    The scheme and host are lower-cased, an internationalised host is written in its
    ASCII (punycode) form, a trailing dot and the default port are dropped, ``.``/``..``
    path segments are resolved, %-escapes are normalised, the fragment, user name and
    password are dropped, tracking parameters (:data:`TRACKING_PARAMS`,
    :data:`TRACKING_PREFIXES`) are removed and the remaining query parameters are sorted
    by name (values of a repeated name keep their order). The result is idempotent:
    ``canonical_url(canonical_url(u)) == canonical_url(u)``.

    Raises ``InputError`` when the result is not an absolute ``http``/``https`` URL.
    """
    raw = url.strip()
    if base is not None:
        raw = urljoin(base.strip(), raw)
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    where = f"{url!r}" + (f" (relative to {base!r})" if base is not None else "")
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InputError(f"not an absolute http(s) URL: {where}; give a full https://… address")
    try:
        port = parts.port
        host = _ascii_host(parts.hostname)
    except (ValueError, UnicodeError) as exc:
        raise InputError(f"malformed host or port in URL {where}: {exc}") from exc
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    # escapes first, so that an escaped dot segment (%2E%2E) is removed too
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) or "/"
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


def host_of(url: str) -> str:
    """Return the canonical host of ``url`` (lower case, punycode, no port): ``"inform.kz"``."""
    host = urlsplit(canonical_url(url)).hostname
    assert host is not None  # canonical_url guarantees a host
    return host


def is_same_site(a: str, b: str) -> bool:
    """Tell whether two URLs belong to the same site: the same registrable domain
    (``www.inform.kz`` and ``lenta.inform.kz`` do; ``inform.kz`` and ``inform.com`` do not).
    Hosts without one (IP addresses, ``localhost``) must be equal. The scheme and port are
    ignored. URLs that are not absolute http(s) URLs are never the same site as anything."""
    from courlan import extract_domain  # lazy: courlan loads the public-suffix list

    try:
        ca, cb = canonical_url(a), canonical_url(b)
    except InputError:
        return False
    da, db = extract_domain(ca), extract_domain(cb)
    if da is None or db is None:
        return host_of(ca) == host_of(cb)
    return bool(da == db)


def _ascii_host(hostname: str) -> str:
    host = hostname.rstrip(".")
    if not host:
        raise ValueError("empty host")
    if host.isascii():
        if ":" not in host and not all(0 < len(label) < 64 for label in host.split(".")):
            raise ValueError(f"bad host name {host!r}")
        return host.lower()
    # the stdlib codec lower-cases and NFKC-normalises each label before encoding it
    return host.encode("idna").decode("ascii")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, on whole segments (``/a/./b/../c`` -> ``/a/c``)."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escaped unreserved characters, upper-case the other escapes, escape the rest."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    text = _ESCAPE.sub(fix, _STRAY_PERCENT.sub("%25", text))
    if all(c in safe for c in text):
        return text
    return "".join(c if c in safe else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = unquote_plus(pair.split("=", 1)[0])
        if not _is_tracking(name):
            kept.append((name, _normalise_escapes(pair, _QUERY_SAFE)))
    kept.sort(key=lambda item: item[0])  # stable: repeated names keep their order
    return "&".join(pair for _, pair in kept)
