"""What the fetcher is allowed to do: its User-Agent, limits, politeness and allowed addresses."""

from __future__ import annotations

from dataclasses import dataclass

from kzfeed.errors import ConfigError

__all__ = ["FetchPolicy", "default_user_agent"]


def default_user_agent(contact_url: str) -> str:
    """Return ``"kzfeed/<version> (+<contact_url>)"``: names kzfeed and how to reach its operator."""
    from kzfeed import __version__  # late: the package may one day import this module

    contact = contact_url.strip()
    if not contact:
        raise ConfigError("the User-Agent needs a contact URL (a page or mailto: address of the operator)")
    return f"kzfeed/{__version__} (+{contact})"


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """How politely and within which limits a :class:`Fetcher` works. Times are in seconds.

    ``max_retry_wait`` caps how long a server's Retry-After may stop kzfeed from asking again
    (a week by default; ``Retry-After: 99999999999999`` or a date in the year 9999 is cut to it).

    ``max_cache_lifetime`` caps how long a server's Cache-Control/Expires may stop kzfeed from
    asking again (a feed served with ``max-age`` of a year would otherwise go silent).

    ``allow_private`` lists the non-public addresses, CIDR ranges and host names (each with an
    optional ``:port``) that may be fetched; every other address that is not a public Internet
    address is refused (see :mod:`kzfeed.http._guard`). ``exempt_loopback`` only lifts
    ``min_delay`` for loopback hosts; it does not let them be fetched.
    """

    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    min_delay: float = 1.0
    exempt_loopback: bool = False
    obey_robots: bool = True
    backoff_base: float = 60.0
    backoff_cap: float = 6 * 3600.0
    max_cache_lifetime: float = 24 * 3600.0
    allow_private: tuple[str, ...] = ()
    max_retry_wait: float = 7 * 24 * 3600.0

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ConfigError("fetch policy: user_agent must not be empty; use default_user_agent(contact)")
        from kzfeed.http._allow import AllowList  # not _guard, which imports httpx

        AllowList(self.allow_private)  # raises ConfigError naming a bad entry
        positive = ("connect_timeout", "read_timeout", "total_timeout", "max_bytes", "backoff_base")
        at_least = {
            "per_host_concurrency": 1,
            "max_redirects": 0,
            "min_delay": 0,
            "max_cache_lifetime": 0,
            "max_retry_wait": 0,
        }
        for name in positive:
            if not getattr(self, name) > 0:
                raise ConfigError(f"fetch policy: {name} must be > 0, not {getattr(self, name)!r}")
        for name, low in at_least.items():
            if not getattr(self, name) >= low:
                raise ConfigError(f"fetch policy: {name} must be >= {low}, not {getattr(self, name)!r}")
        if self.backoff_cap < self.backoff_base:
            raise ConfigError("fetch policy: backoff_cap must be >= backoff_base")
