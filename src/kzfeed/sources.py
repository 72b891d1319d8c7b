"""The contracts plugins implement (``Source``, ``Classifier``) and the contexts they are given."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

from kzfeed.errors import ConfigError
from kzfeed.models import Classification, Document, RawItem, SourceState

if TYPE_CHECKING:
    from kzfeed.articles import CleanArticle
    from kzfeed.http import Fetcher

__all__ = [
    "Classifier",
    "ItemContext",
    "Register",
    "Source",
    "SourceContext",
    "check_options",
]


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
    """Decides whether a document is about KZ–EU cooperation and which topics it covers."""

    @property
    def name(self) -> str: ...

    def classify(self, document: Document) -> Classification: ...


@dataclass(slots=True, kw_only=True)
class SourceContext:
    """What a source gets when it is fetched.

    ``http`` is the shared polite, caching HTTP client (``None`` when the run has no network
    layer); ``state`` is what was stored about the source last time; ``warn`` records a
    warning about one input (it is logged and kept in the run report); ``refetch`` asks the
    source to read again what it already has.
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
    warnings: list[str] = field(default_factory=list)
    #: values a source wants saved for next time (ETag, cursor, ...), merged into its state
    cursor: dict[str, Any] = field(default_factory=dict)
    #: extracts article pages on the run's worker processes (see :meth:`extract`)
    extractor: Callable[..., CleanArticle] | None = None
    #: set by a web source: the URL of its feed or listing page as it will be fetched next
    #: time (after a permanent redirect, the new one); stored on the source's health row
    url: str | None = None
    #: set by a web source: the HTTP status its feed or listing page answered
    http_status: int | None = None
    #: set by a web source when its feed or listing page did not change (HTTP 304, or still
    #: fresh in the cache): nothing was parsed and nothing is stored but the health row
    not_modified: bool = False

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.log.warning("source %r: %s", self.source, message)

    def extract(self, html: str, *, url: str | None = None) -> CleanArticle:
        """Extract the article of an HTML page (trafilatura, see ``kzfeed.articles._extract``), on the
        run's worker processes when there are some. Raises ``InputError`` when the page has
        no article."""
        if self.extractor is not None:
            return self.extractor(html, url=url)
        from kzfeed.articles import extract_article

        return extract_article(html, url=url)


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
) -> None:
    """Raise ``ConfigError`` naming the key when ``options`` has an unknown, missing or
    wrongly typed key. ``where`` names the table, e.g. ``"source 'seeds'"``."""
    for key in options:
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
    for key in required:
        if key not in options:
            raise ConfigError(f"{where}: missing key {key!r}")
    for key, value in options.items():
        expected = allowed[key]
        # bool is an int subclass; do not accept true where a number is wanted
        if isinstance(value, bool) and bool not in (expected if isinstance(expected, tuple) else (expected,)):
            ok = False
        else:
            ok = isinstance(value, expected)
        if not ok:
            names = expected if isinstance(expected, tuple) else (expected,)
            want = " or ".join(t.__name__ for t in names)
            raise ConfigError(f"{where}: key {key!r} must be {want}, not {type(value).__name__}")
