"""Reading and checking ``kzfeed.toml``; the built-in default when there is no file."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzfeed.config._durations import parse_duration
from kzfeed.errors import ConfigError, InputError
from kzfeed.sources import check_options

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_LANGUAGES",
    "ClassifierConfig",
    "Config",
    "FetchConfig",
    "OpsConfig",
    "SourceConfig",
    "default_config",
    "find_config_path",
    "load_config",
]

DEFAULT_CONFIG_NAME = "kzfeed.toml"
#: the beat's languages, in the order a story's lead report is chosen when the config names none
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "ru", "kk")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """One ``[[sources]]`` table: its name, type and the type's own options."""

    name: str
    type: str
    options: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    #: seconds between two fetches (``every = "30m"``); None: the global ``[ops] every``
    every: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassifierConfig:
    """The ``[classifier]`` table: which classifier runs and its options."""

    name: str = "keywords"
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchConfig:
    """The ``[fetch]`` table: politeness and limits of the HTTP client."""

    contact_url: str = "https://github.com/kzfeed/kzfeed"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 10_000_000
    per_host_concurrency: int = 2
    min_delay: float = 1.0
    exempt_loopback: bool = False  # only lifts min_delay for loopback hosts (see allow_private)
    obey_robots: bool = True
    max_failures: int = 5
    workers: int = 8
    #: processes extracting article pages for this worker; 0: this host's CPU cores divided by
    #: the kzfeed workers running on it (PostgreSQL; all of them with SQLite), at least 1
    extract_processes: int = 0
    #: non-public addresses, CIDR ranges or host names (optionally ":port") that may be fetched;
    #: the entries are checked when the fetcher is built (kzfeed.http.FetchPolicy)
    allow_private: tuple[str, ...] = ()
    max_retry_wait: float = 7 * 24 * 3600.0  # seconds: the longest Retry-After wait honoured


@dataclass(frozen=True, slots=True, kw_only=True)
class OpsConfig:
    """The ``[ops]`` table: when sources are due, several workers, the operator feed."""

    lock_wait: float = 0.0  # seconds a run waits for another one to finish; 0: exit at once
    #: seconds between two fetches of a source that sets no ``every`` of its own (``every = "30m"``)
    every: float = 30 * 60.0
    #: a worker that has not renewed its leases for this long is taken for dead and its sources
    #: are taken over; workers renew them every third of it while they work (PostgreSQL only)
    lease_seconds: int = 90
    #: how many sources a worker holds at most (claimed in one statement when half are done);
    #: 0: four per fetch thread (``[fetch] workers``)
    claim_batch: int = 0
    worker: str = ""  # this worker's name (default: the host name); workers share sources by leases
    feed: bool = False  # write public/ops.atom, a feed of sources that keep failing
    failing_after: int = 3  # consecutive failures after which a source is reported
    #: PostgreSQL: the feeds are written at most this often (seconds) by one worker at a time
    render_every: float = 60.0
    #: whether runs write the feeds; false leaves them to `kzfeed render` (a serving machine)
    render: bool = True


_OPS_TYPES: dict[str, type | tuple[type, ...]] = {
    "lock_wait": (int, float),
    "every": (str, int, float),  # a number is refused by _duration, saying how to write one
    "lease_seconds": int,
    "claim_batch": int,
    "worker": str,
    "feed": bool,
    "failing_after": int,
    "render_every": (str, int, float),  # a number is refused by _duration, saying how to write one
    "render": bool,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The whole configuration. Relative paths are resolved against ``root``."""

    root: Path
    database: str
    output_dir: Path
    base_url: str
    title: str
    subtitle: str
    feed_size: int
    sources: tuple[SourceConfig, ...]
    classifier: ClassifierConfig
    fetch: FetchConfig
    plugins: Mapping[str, Mapping[str, Any]]
    plugins_dirs: tuple[Path, ...]
    path: Path | None = None  # the file it was read from; None for the built-in default
    ops: OpsConfig = field(default_factory=OpsConfig)
    #: preferred languages, best first: a story's entry shows the title and summary of a report
    #: in the first of them that the story has
    languages: tuple[str, ...] = DEFAULT_LANGUAGES

    def plugin_options(self, plugin: str) -> Mapping[str, Any]:
        return self.plugins.get(plugin, {})


_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "database": str,
    "output_dir": str,
    "base_url": str,
    "title": str,
    "subtitle": str,
    "feed_size": int,
    "languages": list,
    "plugins_dir": (str, list),
    "sources": list,
    "classifier": dict,
    "fetch": dict,
    "plugins": dict,
    "ops": dict,
}

_FETCH_TYPES: dict[str, type | tuple[type, ...]] = {
    "contact_url": str,
    "connect_timeout": (int, float),
    "read_timeout": (int, float),
    "total_timeout": (int, float),
    "max_bytes": int,
    "per_host_concurrency": int,
    "min_delay": (int, float),
    "exempt_loopback": bool,
    "obey_robots": bool,
    "max_failures": int,
    "workers": int,
    "extract_processes": int,
    "allow_private": list,
    "max_retry_wait": (int, float),
}


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _resolve_database(value: str, root: Path) -> str:
    """Make a relative SQLite path absolute against the config's folder; other URLs pass."""
    if "://" not in value:
        raise ConfigError(
            f"key 'database': {value!r} is not a database URL; "
            "write e.g. 'sqlite:///var/kzfeed.db' or 'postgresql+psycopg://user@host/kzfeed'"
        )
    if value.startswith("sqlite:///") and not value.startswith("sqlite:////"):
        rel = value[len("sqlite:///") :]
        if rel and rel != ":memory:" and not rel.startswith("file:"):
            return _sqlite_url((root / rel).resolve())
    return value


def default_config(root: Path | None = None) -> Config:
    """The configuration used when there is no file: the seeds into SQLite, feeds into public/."""
    return _build({}, root=(root or Path.cwd()).resolve(), path=None)


def find_config_path(explicit: str | os.PathLike[str] | None) -> Path | None:
    """The config file to read: ``--config``, else ``$KZFEED_CONFIG``, else ./kzfeed.toml if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KZFEED_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.is_file() else None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and check a config file; with no file, the built-in default.

    Raises ``ConfigError`` naming the key for unknown keys and bad values.
    """
    found = find_config_path(path)
    if found is None:
        return default_config()
    try:
        raw = tomllib.loads(found.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {str(found)!r} not found; check --config or KZFEED_CONFIG") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(found)!r} cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(found)!r} is not valid TOML: {exc}") from exc
    return _build(raw, root=found.resolve().parent, path=found.resolve())


def _build(raw: Mapping[str, Any], *, root: Path, path: Path | None) -> Config:
    where = str(path) if path else "default config"
    check_options(where, raw, _TOP_KEYS)
    database = _resolve_database(str(raw.get("database", "sqlite:///var/kzfeed.db")), root)
    base_url = _base_url(where, str(raw.get("base_url", "http://127.0.0.1:8080/")))
    feed_size = int(raw.get("feed_size", 50))
    if feed_size < 1:
        raise ConfigError(f"{where}: key 'feed_size' must be at least 1")
    sources = _sources(where, raw.get("sources"))
    classifier = _classifier(where, raw.get("classifier", {}))
    fetch = _fetch(where, raw.get("fetch", {}))
    ops = _ops(where, raw.get("ops", {}))
    languages = _languages(where, raw.get("languages", list(DEFAULT_LANGUAGES)))
    plugins = raw.get("plugins", {})
    for name, table in plugins.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: key 'plugins.{name}' must be a table")
    dirs_raw = raw.get("plugins_dir", "plugins")
    dirs = [dirs_raw] if isinstance(dirs_raw, str) else list(dirs_raw)
    return Config(
        root=root,
        database=database,
        output_dir=(root / str(raw.get("output_dir", "public"))).resolve(),
        base_url=base_url,
        title=str(raw.get("title", "kzfeed — Kazakhstan–EU cooperation")),
        subtitle=str(
            raw.get(
                "subtitle",
                "News of cooperation between Kazakhstan and the European Union and its member states",
            )
        ),
        feed_size=feed_size,
        sources=sources,
        classifier=classifier,
        fetch=fetch,
        plugins=plugins,
        plugins_dirs=tuple((root / str(d)).resolve() for d in dirs),
        path=path,
        ops=ops,
        languages=languages,
    )


def _base_url(where: str, base_url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", base_url):
        raise ConfigError(f"{where}: key 'base_url' must be an http(s) URL, not {base_url!r}")
    return base_url if base_url.endswith("/") else base_url + "/"


def _sources(where: str, raw_sources: list[Any] | None) -> tuple[SourceConfig, ...]:
    if raw_sources is None:
        raw_sources = [{"name": "seeds", "type": "files", "path": "seeds"}]
    sources = tuple(_source(where, i, table) for i, table in enumerate(raw_sources))
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: source name {dupes[0]!r} is used twice; names must be unique")
    return sources


def _classifier(where: str, table: Mapping[str, Any]) -> ClassifierConfig:
    classifier_raw = dict(table)
    classifier_name = classifier_raw.pop("name", "keywords")
    if not isinstance(classifier_name, str):
        raise ConfigError(f"{where}: key 'classifier.name' must be str")
    return ClassifierConfig(name=classifier_name, options=classifier_raw)


def _fetch(where: str, table: Mapping[str, Any]) -> FetchConfig:
    fetch_raw = dict(table)
    check_options(where, fetch_raw, _FETCH_TYPES, prefix="fetch.")
    if "allow_private" in fetch_raw:
        entries = fetch_raw["allow_private"]
        if not all(isinstance(e, str) and e.strip() for e in entries):
            raise ConfigError(
                f"{where}: key 'fetch.allow_private' must be an array of strings such as "
                '["127.0.0.1:8080", "10.1.0.0/16", "intranet.example"]'
            )
        fetch_raw["allow_private"] = tuple(entries)
    fetch = FetchConfig(**fetch_raw)
    if fetch.extract_processes < 0:
        raise ConfigError(
            f"{where}: key 'fetch.extract_processes' must be 0 (one per CPU core shared by this "
            "host's workers) or more"
        )
    return fetch


def _languages(where: str, value: list[Any]) -> tuple[str, ...]:
    codes = [v.strip().lower() for v in value if isinstance(v, str)]
    if len(codes) != len(value) or not codes or not all(_LANGUAGE_RE.match(c) for c in codes):
        raise ConfigError(
            f"{where}: key 'languages' must be a non-empty array of language codes, best first, "
            'e.g. languages = ["en", "fr", "de", "ru", "kk"]'
        )
    return tuple(dict.fromkeys(codes))


def _ops(where: str, table: Mapping[str, Any]) -> OpsConfig:
    check_options(where, table, _OPS_TYPES, prefix="ops.")
    values = dict(table)
    if "every" in values:
        values["every"] = _duration(f"{where}: key 'ops.every'", values["every"])
    if "render_every" in values:
        values["render_every"] = _duration(f"{where}: key 'ops.render_every'", values["render_every"])
    ops = OpsConfig(**values)
    if ops.lock_wait < 0 or ops.lease_seconds < 1 or ops.failing_after < 1 or ops.claim_batch < 0:
        raise ConfigError(
            f"{where}: keys 'ops.lock_wait', 'ops.lease_seconds', 'ops.claim_batch' and "
            "'ops.failing_after' must be positive"
        )
    return ops


def _duration(what: str, value: Any) -> float:
    """Seconds of a duration written as text in the config (``"30m"``)."""
    if not isinstance(value, str):
        raise ConfigError(f'{what} must be a duration in quotes, e.g. "30m" or "2h"')
    try:
        return parse_duration(value, what="duration").total_seconds()
    except InputError as exc:
        raise ConfigError(f"{what}: {exc}") from None


def _source(where: str, index: int, table: Any) -> SourceConfig:
    at = f"{where}: sources[{index}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{at} must be a table ([[sources]])")
    options = dict(table)
    name = options.pop("name", None)
    type_ = options.pop("type", None)
    enabled = options.pop("enabled", True)
    every = options.pop("every", None)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ConfigError(f"{at}: key 'name' must be a short name of letters, digits, '-', '_' or '.'")
    if not isinstance(type_, str) or not type_:
        raise ConfigError(f'{at} ({name!r}): key \'type\' is missing; e.g. type = "files" or "rss"')
    if not isinstance(enabled, bool):
        raise ConfigError(f"{at} ({name!r}): key 'enabled' must be true or false")
    seconds = None if every is None else _duration(f"{at} ({name!r}): key 'every'", every)
    return SourceConfig(name=name, type=type_, options=options, enabled=enabled, every=seconds)
