"""The contracts plugins implement (``Source``, ``Classifier``) and the contexts they are given."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from kzfeed.errors import ConfigError, SourceError
from kzfeed.models import ArticleText, Classification, RawItem, SourceState

if TYPE_CHECKING:
    from kzfeed.http import Fetcher

__all__ = [
    "CONFIGURED_URL",
    "Classifier",
    "ItemContext",
    "Register",
    "Source",
    "SourceContext",
    "SourceReport",
    "check_options",
    "current_url",
]


#: cursor key of web sources: the config's URL that the stored URL (after a permanent
#: redirect) replaces; when the config changes, the stored URL no longer counts
CONFIGURED_URL = "configured_url"


def current_url(state: SourceState, configured: str) -> str:
    """The URL to fetch a web source from: where a permanent redirect moved it, as long as the
    config still gives the URL it moved from; else the config's URL."""
    if state.url and state.cursor.get(CONFIGURED_URL) == configured:
        return state.url
    return configured


_T_contra = TypeVar("_T_contra", contravariant=True)


class Register(Protocol[_T_contra]):
    """The ``register`` function the ``register_sources`` and ``register_classifiers`` hooks
    get: ``register(name, obj)``, or ``register(name, obj, replace=True)`` to take over a
    name another plugin (a built-in) also registers, deliberately."""

    def __call__(self, name: str, obj: _T_contra, /, *, replace: bool = False) -> None: ...


@runtime_checkable
class Source(Protocol):
    """A source type: built from its config table, yields raw items when fetched.

    ``example_config`` is a config table (without ``name``/``type``) that the contract
    tests use; ``options`` documents every option as ``{key: help text}``.
    """

    type_name: ClassVar[str]
    name: str

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]: ...


@runtime_checkable
class Classifier(Protocol):
    """Decides whether an article (``ArticleText``: a ``RawItem``, or a stored ``Item``) is about
    KZ–EU cooperation and which topics it covers."""

    @property
    def name(self) -> str: ...

    def classify(self, document: ArticleText) -> Classification: ...


@dataclass(slots=True, kw_only=True)
class SourceReport:
    """What one fetch of a source tells the pipeline besides its items: kept apart from the
    context the source is given, and filled only through the context's methods."""

    #: warnings about single inputs (``ctx.warn``), kept in the run report
    warnings: list[str] = field(default_factory=list)
    #: values a source wants saved for next time (``ctx.cursor``), merged into its state
    cursor: dict[str, Any] = field(default_factory=dict)
    #: the URL of its feed or listing page as it will be fetched next time (after a permanent
    #: redirect, the new one); stored on the source's health row
    url: str | None = None
    #: the HTTP status its feed or listing page answered
    http_status: int | None = None
    #: its feed or listing page did not change (HTTP 304, or still fresh in the cache)
    not_modified: bool = False


@dataclass(slots=True, kw_only=True)
class SourceContext:
    """What a source gets when it is fetched.

    ``http`` is the shared polite, caching HTTP client (``None`` when the run has no network
    layer); ``state`` is what was stored about the source last time; ``warn`` records a
    warning about one input (it is logged and kept in the run report); ``refetch`` asks the
    source to read again what it already has. What the source reports back (warnings,
    ``cursor``, :meth:`record_main_page`) goes to ``report``, which the pipeline reads.
    """

    source: str
    state: SourceState
    log: logging.Logger
    http: Fetcher | None = None
    #: the folder relative paths in the config are resolved against
    root: Path = field(default_factory=Path.cwd)
    refetch: bool = False
    #: guid -> content hash of what is already stored for this source
    known: Mapping[str, str] = field(default_factory=dict)
    #: extracts article pages on the run's worker processes (see :meth:`extract`)
    extractor: Callable[..., RawItem] | None = None
    report: SourceReport = field(default_factory=SourceReport)

    @property
    def cursor(self) -> dict[str, Any]:
        """Values to keep for next time (ETag, a page number, ...), merged into the source's
        stored state (``ctx.state.cursor`` next run)."""
        return self.report.cursor

    @property
    def warnings(self) -> list[str]:
        """The warnings recorded so far (read only: add one with :meth:`warn`)."""
        return list(self.report.warnings)

    def warn(self, message: str) -> None:
        self.report.warnings.append(message)
        self.log.warning("source %r: %s", self.source, message)

    def record_main_page(self, *, url: str | None, status: int | None, not_modified: bool = False) -> None:
        """Record the source's feed or listing page for its health row: the URL to fetch it
        from next time, the HTTP status it answered, and whether it was unchanged (then the
        run reports the source as "not modified")."""
        self.report.url, self.report.http_status, self.report.not_modified = url, status, not_modified

    def extract(self, html: str, *, url: str | None = None) -> RawItem:
        """Extract the article of an HTML page (trafilatura, ``kzfeed.articles.extract_article``),
        on the run's worker processes when there are some. Raises ``InputError`` when the page
        has no article."""
        if self.extractor is None:
            # the pipeline and the test kit always give one; the contract does not import extraction
            raise SourceError(self.source, "this context has no article extractor (pass extractor=...)")
        return self.extractor(html, url=url)


@dataclass(slots=True, kw_only=True)
class ItemContext:
    """What a ``process_item`` hook gets besides the item."""

    source: str
    options: Mapping[str, Any]
    log: logging.Logger


def check_options(
    where: str,
    options: Mapping[str, Any],
    allowed: Mapping[str, type | tuple[type, ...]],
    *,
    required: tuple[str, ...] = (),
    prefix: str = "",
) -> None:
    """Raise ``ConfigError`` naming the key when ``options`` has an unknown, missing or
    wrongly typed key; an unknown key that looks like a known one gets a "did you mean".
    ``where`` names the table, e.g. ``"source 'seeds'"``; ``prefix`` goes before each key in
    messages (``"fetch."`` names ``'fetch.workers'``). kzfeed checks its own config with it too.
    """
    for key in options:
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f"; did you mean {prefix + close[0]!r}?" if close else ""
            raise ConfigError(f"{where}: unknown key {prefix + key!r}{hint} (known keys: {known})")
    for key in required:
        if key not in options:
            raise ConfigError(f"{where}: missing key {prefix + key!r}")
    for key, value in options.items():
        expected = allowed[key]
        types: tuple[type, ...] = expected if isinstance(expected, tuple) else (expected,)
        # bool is an int subclass; do not accept true where a number is wanted
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            want = " or ".join(_TOML_NAMES.get(t, t.__name__) for t in types)
            raise ConfigError(f"{where}: key {prefix + key!r} must be {want}, not {type(value).__name__}")


#: what a TOML user calls these types
_TOML_NAMES: dict[type, str] = {dict: "table", list: "array"}
