"""What the ``kzfeed`` commands share: the config, plugins and database, made when first needed."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kzfeed.config import DEFAULT_CONFIG_NAME, Config, load_config
from kzfeed.errors import ConfigError
from kzfeed.plugins import PluginHost, make_plugin_host

if TYPE_CHECKING:
    from kzfeed.storage import StatusStore, Store, StoreProtocol

__all__ = ["App", "complete_sources", "complete_topics", "current_app", "progress", "setup_logging"]

log = logging.getLogger("kzfeed")


@dataclass(slots=True)
class App:
    """What the commands share: the config, plugins and database, each made when first needed."""

    config_path: str | None = None
    plugins_dirs: tuple[Path, ...] = ()
    #: -q: print nothing when all went well (for cron, which mails any output)
    quiet: int = 0
    #: -v, -vv: say more
    verbose: int = 0
    _config: Config | None = None
    _host: PluginHost | None = None
    _stores: list[StatusStore] = field(default_factory=list)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def host(self) -> PluginHost:
        if self._host is None:
            # the host logs each plugin that fails, once
            self._host = make_plugin_host(plugins_dirs=self.plugins_dirs or self.config.plugins_dirs)
        return self._host

    def project_config(self) -> Config:
        """The config of a command that works on a project (run, ingest, watch, sources add).

        Without a config file the built-in default reads ./seeds; where there is neither, the
        user is told to write a config instead of hearing about a folder they never named."""
        config = self.config
        if config.path is None and not (config.root / "seeds").is_dir():
            raise ConfigError(
                f"no {DEFAULT_CONFIG_NAME} here; run `kzfeed init` to write one "
                "(or give --config FILE, or set KZFEED_CONFIG)"
            )
        return config

    def set_config_path(self, path: str) -> None:
        """``--config`` given after the subcommand: forget what was read with the earlier one."""
        self.config_path, self._config, self._host = path, None, None

    def say_more_or_less(self, verbose: int, quiet: int) -> None:
        """``-v``/``-q`` given after the subcommand add to those given before it."""
        self.verbose += verbose
        self.quiet += quiet
        setup_logging(self.verbose, self.quiet)

    def store(self) -> Store:
        from kzfeed.storage import open_store  # lazy: SQLAlchemy costs ~0.1 s to import

        store = open_store(self.config.database)
        self._stores.append(store)
        return store

    def run_store(self) -> StoreProtocol:
        """The store of ``kzfeed run`` and ``ingest``: on SQLite at the newest schema, one that
        writes the run's bookkeeping with sqlite3 and opens the full store only when the run
        needs it (a run where every source answers 304 imports no SQLAlchemy); else the full store,
        and the run's threads share one malloc arena (a first update: ``kzfeed.ops.share_arenas``)."""
        from kzfeed.storage import open_quick_run

        store = open_quick_run(self.config.database)
        if store is None:
            from kzfeed.ops import share_arenas

            share_arenas()
            return self.store()
        self._stores.append(store)
        return store

    def status_store(self) -> StatusStore:
        """The store ``kzfeed status`` reads: on SQLite at the newest schema, the ``sqlite3``
        reader (no SQLAlchemy: ~0.15–0.4 s of imports); else the full store (which migrates)."""
        from kzfeed.storage import open_quick

        quick = open_quick(self.config.database)
        if quick is None:
            return self.store()
        self._stores.append(quick)
        return quick

    def close(self) -> None:
        for store in self._stores:
            store.close()


class _LogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"kzfeed: {record.levelname.lower()}: {record.getMessage()}"


def setup_logging(verbose: int, quiet: int) -> None:
    level = logging.WARNING - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter())
    root = logging.getLogger("kzfeed")
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, min(level, logging.CRITICAL)))
    root.propagate = False


def current_app() -> App:
    """The ``App`` of the command being run."""
    return click.get_current_context().find_object(App)  # type: ignore[return-value]


class _SourceBar:
    """A progress bar's ticks from the fetch threads: it names the sources being fetched."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._lock = threading.Lock()
        self._fetching: list[str] = []

    def started(self, name: str) -> None:
        with self._lock:
            self._fetching.append(name)
            self._bar.update(0, current_item=self._label())

    def __call__(self, name: str, done: int = 1) -> None:
        """``name`` is done (a source), or ``done`` more steps are, ``name`` saying how far
        (``reclassify``'s item count)."""
        with self._lock:
            if name in self._fetching:
                self._fetching.remove(name)
                name = self._label()
            self._bar.update(done, current_item=name)

    def _label(self) -> str:
        if not self._fetching:
            return ""
        more = len(self._fetching) - 2
        return "fetching " + ", ".join(self._fetching[:2]) + (f" and {more} more" if more > 0 else "")


@contextmanager
def progress(label: str, length: int) -> Iterator[_SourceBar | None]:
    """A progress bar on a terminal, naming the sources being fetched; nothing when output goes
    to a file or cron. Call the bar with a source's name when it is done, ``.started(name)``
    when it starts; or with a label and a number of steps done (``bar("1,000", 500)``)."""
    if length > 1 and sys.stderr.isatty():
        with click.progressbar(
            length=length, label=label, file=sys.stderr, item_show_func=lambda text: text
        ) as bar:
            yield _SourceBar(bar)
    else:
        yield None


def counting(tick: _SourceBar | None) -> Callable[[int], None]:
    """An ``on_batch(n)`` that moves the progress bar ``tick`` by ``n`` items, labelled with
    how many are done (``"1,000"``); does nothing without a bar."""
    done = 0

    def on_batch(n: int) -> None:
        nonlocal done
        done += n
        if tick is not None:
            tick(f"{done:,}", n)

    return on_batch


def _completion_config(ctx: click.Context) -> Config | None:
    """The config while the shell completes a word (no command has run; errors are silent)."""
    try:
        return load_config(ctx.find_root().params.get("config_path"))
    except Exception:  # a broken config must not break the user's shell
        return None


def complete_topics(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``--topic``: the vocabulary's topics and the config's own."""
    from kzfeed.models import TOPICS

    config = _completion_config(ctx)
    names = {*TOPICS, *(config.classifier.options.get("topics", {}) if config else ())}
    return sorted(n for n in names if n.startswith(incomplete))


def complete_sources(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a source name: those of the config."""
    config = _completion_config(ctx)
    return [s.name for s in config.sources if s.name.startswith(incomplete)] if config else []
