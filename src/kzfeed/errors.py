"""One exception tree for kzfeed, rooted at :class:`KzfeedError`.

::

    KzfeedError
    ├── ConfigError          bad or missing configuration (CLI exit code 2)
    ├── InputError           a file, URL or argument the user gave cannot be used (exit code 2)
    ├── LockBusy             another run of this worker holds the run lock (exit code 0)
    ├── PluginError          a plugin failed to load, raised in a hook or broke a hook's contract
    ├── SourceError          one source failed; the run goes on with the others
    │   ├── FetchError       an HTTP fetch failed (status, timeout, size limit, ...)
    │   └── SourceCrashed    a source's plugin raised something else (its bug, the cause)
    ├── SourceNotRun         a source was not fetched this run (paused, backing off, skipped)
    └── StorageError         the database cannot be opened or migrated

Every message says what went wrong and what to do next; the cause is chained with
``raise ... from exc``. A run keeps each source's error as the exception itself (in
``SourceRun.error``) until the command prints it or stores its message.
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "ConfigError",
    "FetchError",
    "InputError",
    "KzfeedError",
    "LockBusy",
    "PluginError",
    "SourceCrashed",
    "SourceError",
    "SourceNotRun",
    "StorageError",
]


class KzfeedError(Exception):
    """Base class of every error kzfeed raises on purpose."""

    #: exit code the CLI uses when this error reaches it
    exit_code: int = 1


class ConfigError(KzfeedError):
    """The configuration is missing, unreadable or has a bad key or value."""

    exit_code = 2


class InputError(KzfeedError):
    """A path, URL or argument given by the user cannot be used."""

    exit_code = 2


class LockBusy(KzfeedError):
    """Another run of this worker holds the run lock. Not a failure: the CLI exits 0."""

    exit_code = 0

    def __init__(self, holder: str) -> None:
        super().__init__(f"another kzfeed run is in progress ({holder}); not starting this one")
        self.holder = holder


class PluginError(KzfeedError):
    """A plugin could not be loaded, raised inside a hook, or broke a hook's contract
    (registered something that is not a source class, a classifier without ``classify``)."""

    def __init__(self, plugin: str, message: str, *, hook: str | None = None) -> None:
        # raised inside ``hook``: "plugin 'x' failed in process_item: ValueError: ..."
        super().__init__(
            f"plugin {plugin!r} failed in {hook}: {message}" if hook else f"plugin {plugin!r}: {message}"
        )
        self.plugin = plugin
        #: the hook it raised in (None for a broken contract or a failed load)
        self.hook = hook
        #: the message without the plugin's name
        self.detail = message


class SourceError(KzfeedError):
    """One source failed. Carries the source name; the run goes on with the others."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"source {source!r}: {message}")
        self.source = source
        #: the message without the source's name (for a warning that already names it)
        self.detail = message


class FetchError(SourceError):
    """An HTTP request failed: a status code, a timeout, a size limit, too many redirects."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        retry_after: datetime | None = None,
    ) -> None:
        super().__init__(source, message)
        self.url = url
        self.status = status
        #: when the server asked us to come back (Retry-After on 429/503)
        self.retry_after = retry_after


class SourceCrashed(SourceError):
    """A source's plugin raised something that is not a ``KzfeedError`` (even ``sys.exit()``):
    its bug. What it raised is the ``__cause__``; the run goes on with the other sources."""

    def __init__(self, source: str, source_type: str, exc: BaseException) -> None:
        detail = f"({source_type}) crashed: {type(exc).__name__}: {exc}"
        KzfeedError.__init__(self, f"source {source!r} {detail}")
        self.source = source
        self.detail = detail
        self.__cause__ = exc


class SourceNotRun(KzfeedError):
    """A source was not fetched this run, and why: ``kind`` is ``"paused"`` (after too many
    failures), ``"not_due"`` (backing off after a failure) or ``"skipped"`` (a stop signal, or
    another worker had it). The message says what to do."""

    def __init__(self, source: str, message: str, *, kind: str, url: str | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.kind = kind
        self.url = url


class StorageError(KzfeedError):
    """The database could not be opened, migrated or written."""
