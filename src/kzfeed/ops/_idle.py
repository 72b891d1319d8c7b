"""A ``kzfeed run`` with nothing to do, on SQLite, without SQLAlchemy.

Most runs from cron find no source due. :func:`run_if_idle` finds that with the standard
library's ``sqlite3`` (``kzfeed.storage.QuickStore``) under the same run lock, records the run
as the full run would (an ``ok`` run of no source, which ``kzfeed status --check --max-age``
counts), and returns what the full run returns; the command then says the same thing ("no
source is due; the next one is in …") and exits 0. Whenever the full run would do or say more
(a source due, new, changed, paused or backing off, a killed run to mark, another run holding
the lock, PostgreSQL, a database not at the newest schema) it returns None, and the caller runs
:func:`~kzfeed.ops.run_due`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kzfeed import clock
from kzfeed.config import Config
from kzfeed.errors import LockBusy
from kzfeed.models import RunReport
from kzfeed.ops._lock import acquire_run_lock, worker_name, worker_owner
from kzfeed.plugins import PluginHost

__all__ = ["RunResult", "run_if_idle"]

log = logging.getLogger("kzfeed.ops._idle")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    report: RunReport
    #: files written; None when this run did not render (``kzfeed ingest``, stopped, or no
    #: source was fetched)
    written: list[Path] | None
    stopped: bool  # a signal asked us to stop; the sources not reached are left for the next run
    #: seconds until the next of this run's sources can be claimed (database clock); None: none
    next_due_in: float | None


def run_if_idle(config: Config, host: PluginHost) -> RunResult | None:
    """The run over the due sources when none is due and the database is SQLite (see the
    module); None when the full run must do it. Raises ``ConfigError`` for the mistakes in
    the config the full run raises for (an unknown source type or classifier)."""
    from kzfeed.pipeline import build_classifier, build_sources, config_hash
    from kzfeed.storage import open_quick

    quick = open_quick(config.database)  # None at once for PostgreSQL
    if quick is None:
        return None
    # the hashes from the config alone: a run with something due pays no second build of its sources
    configured = [(sc.name, config_hash(sc)) for sc in config.sources if sc.enabled]
    with quick:
        if not configured:
            return None
        try:
            lock = acquire_run_lock(quick, worker=worker_name(config))
        except LockBusy:  # the full run waits (--wait) or says who holds it
            return None
        try:
            started = clock.now()
            next_due = quick.idle_for(configured, clock.instant())
            if next_due is None:
                return None
            build_sources(config, host)  # the config errors the full run raises (type, options)
            if config.classifier.name not in host.classifiers():
                build_classifier(config, host)  # raises the ConfigError naming the known ones
            finished = clock.now()
            run_id = quick.record_idle_run(started, finished, worker_owner(config))
        finally:
            lock.release()
    if run_id is None:
        return None
    log.debug("nothing due (read with sqlite3); run %s recorded", run_id)
    report = RunReport(started=started, finished=finished, run_id=run_id)
    return RunResult(report=report, written=None, stopped=False, next_due_in=next_due)
