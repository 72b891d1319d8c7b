"""Operator commands: watch, status, prune, search."""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from kzfeed.cli.app import current_app as _app
from kzfeed.cli.report import print_errors
from kzfeed.errors import KzfeedError
from kzfeed.models import RunReport, SourceStatus

if TYPE_CHECKING:
    from kzfeed.storage import StatusStore

#: runs looked at to find the newest successful one
_CHECK_RUNS = 500


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@click.command()
@click.option(
    "--every",
    metavar="DURATION",
    default=None,
    help="The interval of sources that set no 'every' of their own (default: [ops] every, 30m).",
)
def watch(every: str | None) -> None:
    """Fetch each source whenever it is due, until stopped (for machines without cron).

    Each pass is a 'kzfeed run' over the sources due then; in between it sleeps until the next
    one is due (or a lease a dead worker left runs out). One line per pass that fetched
    something. SIGTERM or Ctrl-C stops it cleanly after the current source.
    """
    from dataclasses import replace

    from kzfeed.ops import (
        LockBusy,
        parse_duration,
        run_due,
        share_arenas,
        stop_on_signals,
        watch_wait,
        watching,
    )

    app = _app()
    app.project_config()
    config = app.config
    if every is not None:
        seconds = parse_duration(every, what="--every").total_seconds()
        config = replace(config, ops=replace(config.ops, every=seconds))
    share_arenas()  # before the fetching threads start (see ``kzfeed.ops._arenas``)
    store = app.store()
    with stop_on_signals(threading.Event()) as stop, watching(config, store) as sleep:
        while not stop.is_set():
            next_due: float | None = None
            try:
                result = run_due(config, app.host, store, stop=stop, stay=True)
                next_due = result.next_due_in
                _watch_line(result.report, result.written is not None)
            except LockBusy as exc:
                click.echo(f"kzfeed: {exc}", err=True)
            except KzfeedError as exc:
                if exc.exit_code == 2:  # a configuration error will not fix itself
                    raise
                click.echo(f"kzfeed: error: {exc}", err=True)
            sleep(stop, watch_wait(next_due, config.ops.every))
    click.echo("kzfeed: watch stopped", err=True)


def _watch_line(r: RunReport, rendered: bool) -> None:
    fetched = [s for s in r.sources if s.status not in (SourceStatus.PAUSED, SourceStatus.SKIPPED)]
    if not fetched:
        return
    feeds = "; feeds rendered" if rendered else ""
    click.echo(
        f"{_when(r.finished)}  run {r.run_id}: {len(fetched)} source(s), {r.total('new')} new, "
        f"{r.total('updated')} updated, {len(r.failed_sources)} failed{feeds}"
    )
    print_errors(r)


def _fleet_data(store: StatusStore, overdue_after: timedelta) -> dict[str, Any]:
    """The workers working now (PostgreSQL) and the sources overdue, for ``status``."""
    fleet = store.fleet_status(overdue_after=overdue_after)
    lease = _app().config.ops.lease_seconds
    return {
        "database_now": fleet.database_now.isoformat(),
        "workers_tracked": not store.runs_exclusive,
        "workers": [
            {
                "name": w.name,
                "host": w.host,
                "pid": w.pid,
                "started": w.started_at.isoformat(),
                "last_heartbeat": w.heartbeat_at.isoformat(),
                "heartbeat_age_s": round(w.heartbeat_age_s, 1),
                "alive": w.heartbeat_age_s < lease,  # silent for a lease: taken for dead
                "sources_in_hand": list(w.sources),
            }
            for w in fleet.workers
        ],
        "due_now": fleet.due_now,
        "overdue_after_s": overdue_after.total_seconds(),
        "overdue_sources": [
            {
                "name": o.name,
                "due_at": o.due_at.isoformat() if o.due_at else None,
                "overdue_s": round(o.overdue_s, 1),
                "expired_lease_of": o.lease_owner,
            }
            for o in fleet.overdue
        ],
    }


def _status_data(store: StatusStore, limit: int) -> dict[str, Any]:
    runs = store.last_runs(limit)
    bad = store.unhealthy_sources(failing_after=1)
    return {
        "runs": [
            {
                "id": r.id,
                "started": r.started.isoformat(),
                "finished": r.finished.isoformat() if r.finished else None,
                "status": r.status,
                "worker": r.worker,
                "new": r.new,
                "updated": r.updated,
                "unchanged": r.unchanged,
                "failed": r.failed,
                "sources": [
                    {
                        "name": s.source,
                        "status": s.status,
                        "http_status": s.http_status,
                        "new": s.new,
                        "updated": s.updated,
                        "unchanged": s.unchanged,
                        "failed": s.failed,
                        "duration_ms": s.duration_ms,
                        "error": s.error.message if s.error else None,
                        "error_kind": s.error.kind.value if s.error else None,
                        "error_url": s.error.url if s.error else None,
                        "error_at": s.error.at.isoformat() if s.error and s.error.at else None,
                    }
                    for s in r.sources
                ],
            }
            for r in runs
        ],
        "unhealthy_sources": [
            {
                "name": s.name,
                "type": s.type,
                "consecutive_failures": s.consecutive_failures,
                "paused": s.paused,
                "last_error": s.last_error,
                "last_ok": s.last_ok.isoformat() if s.last_ok else None,
                "last_attempt": s.last_attempt.isoformat() if s.last_attempt else None,
            }
            for s in bad
        ],
    }


def _check(store: StatusStore, max_age: str | None) -> list[str]:
    """What a monitor should hear of: failing or paused sources; no successful run lately."""
    from kzfeed.clock import now
    from kzfeed.ops import parse_duration

    problems = [
        f"{s.name}: {'paused' if s.paused else f'failing ({s.consecutive_failures} in a row)'}: {s.last_error}"
        for s in store.unhealthy_sources(failing_after=1)
    ]
    if max_age is not None:
        age = parse_duration(max_age, what="--max-age")
        newest = next(
            (r.finished for r in store.last_runs(_CHECK_RUNS) if r.status == "ok" and r.finished), None
        )
        if newest is None:
            problems.append("no run has succeeded yet")
        elif now() - newest > age:
            problems.append(f"no run has succeeded since {_when(newest)} UTC (more than {max_age} ago)")
    return problems


@click.command()
@click.option("--runs", "limit", type=click.IntRange(min=1), default=10, help="How many recent runs (10).")
@click.option("--json", "as_json", is_flag=True, help="Print the same as JSON.")
@click.option(
    "--check",
    is_flag=True,
    help="For monitors: print only problems and exit 1 when a source is failing or paused "
    "(or, with --max-age, no run succeeded that recently); 0 and 'ok' otherwise.",
)
@click.option(
    "--max-age",
    metavar="DURATION",
    default=None,
    help="With --check: e.g. 2h; a successful run must be younger.",
)
@click.option(
    "--overdue",
    metavar="DURATION",
    default="10m",
    show_default=True,
    help="A source due for longer than this, in no worker's hand, is listed as overdue.",
)
def status(limit: int, as_json: bool, check: bool, max_age: str | None, overdue: str) -> None:
    """The workers at work, overdue sources, the last runs and the sources failing or paused."""
    from kzfeed.ops import parse_duration

    if max_age is not None and not check:
        raise click.UsageError("--max-age goes with --check")
    overdue_after = parse_duration(overdue, what="--overdue")
    store = _app().status_store()  # on SQLite: read with sqlite3, no SQLAlchemy
    if check:
        problems = _check(store, max_age)
        for problem in problems:
            click.echo(f"kzfeed: {problem}", err=True)
        if problems:
            sys.exit(1)
        if not _app().quiet:
            click.echo("ok")
        return
    data = {**_fleet_data(store, overdue_after), **_status_data(store, limit)}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_fleet(data, overdue)
    if not data["runs"]:
        click.echo("no runs yet; start one with 'kzfeed run'")
    else:
        click.echo("last runs:")
    for r in data["runs"]:
        click.echo(
            f"  #{r['id']:<5} {r['started'][:19].replace('T', ' ')}  {r['status']:<11} "
            f"{r['new']} new, {r['updated']} updated, {r['unchanged']} unchanged, {r['failed']} failed"
            f"  ({len(r['sources'])} source(s){', ' + r['worker'] if r['worker'] else ''})"
        )
    if data["unhealthy_sources"]:
        click.echo("unhealthy sources:")
        for s in data["unhealthy_sources"]:
            state = "paused" if s["paused"] else f"{s['consecutive_failures']} failure(s) in a row"
            click.echo(f"  {s['name']}: {state}; last ok {s['last_ok'] or 'never'}; {s['last_error']}")
    elif data["runs"]:
        click.echo("all sources healthy")


def _print_fleet(data: dict[str, Any], overdue: str) -> None:
    if not data["workers_tracked"]:
        click.echo("workers: one at a time under the SQLite file lock (none tracked)")
    elif not data["workers"]:
        click.echo("workers: none at work")
    else:
        click.echo("workers:")
        for w in data["workers"]:
            held = w["sources_in_hand"]
            names = ", ".join(held[:5]) + (f", … ({len(held)})" if len(held) > 5 else "")
            beat = f"heartbeat {w['heartbeat_age_s']:.0f} s ago"
            if not w["alive"]:
                beat = f"silent for {w['heartbeat_age_s']:.0f} s, taken for dead"
            click.echo(
                f"  {w['name']} on {w['host']}: {beat}; {len(held)} source(s) in hand{': ' + names if held else ''}"
            )
    if data["overdue_sources"]:
        click.echo(f"overdue sources (due for more than {overdue}, in no worker's hand):")
        for o in data["overdue_sources"]:
            since = f"due for {o['overdue_s'] / 60:.0f} min" if o["due_at"] else "never fetched"
            dead = f"; the lease of {o['expired_lease_of']} ran out" if o["expired_lease_of"] else ""
            click.echo(f"  {o['name']}: {since}{dead}")
    else:
        click.echo(f"overdue sources: none ({data['due_now']} due now)")


@click.command()
@click.option("--older-than", "older_than", required=True, metavar="DURATION", help="e.g. 365d, 26w.")
@click.option("--dry-run", is_flag=True, help="Only say what would be dropped.")
def prune(older_than: str, dry_run: bool) -> None:
    """Drop items older than DURATION that were left out of the feeds, and older run history.

    Items in the feeds or their archive pages are kept: subscribers can still reach them.
    """
    from kzfeed.ops import parse_duration, plan_retention

    app = _app()
    store = app.store()
    plan = plan_retention(app.config, store, parse_duration(older_than, what="--older-than"))
    verb = "would drop" if dry_run else "dropped"
    if dry_run:
        for item in store.prunable_items(plan.cutoff):
            click.echo(f"{verb} {item.id[:8]}  {item.date.strftime('%Y-%m-%d')}  {item.title}")
    else:
        store.apply_prune(plan)
        store.mark_feeds_dirty()  # the next run renders them even if it stores nothing
    click.echo(
        f"{verb} {plan.items} item(s) and {plan.runs} run(s) from before {plan.cutoff.date().isoformat()}; "
        f"kept {plan.kept_shown} older item(s) that the feeds or their archives still show"
    )


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--all", "search_all", is_flag=True, help="Also items left out of the feeds.")
@click.option("--limit", type=click.IntRange(min=1), default=20, help="At most this many (20).")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON Lines: id, title, snippet, source, url, published."
)
def search(words: tuple[str, ...], search_all: bool, limit: int, as_json: bool) -> None:
    """Find stored items by words, ignoring accents and case; best matches first."""
    hits = _app().store().search_items(" ".join(words), limit=limit, relevant_only=not search_all)
    for h in hits:
        if as_json:
            record = {
                "id": h.id,
                "title": h.title,
                "snippet": h.snippet,
                "source": h.source,
                "url": h.url,
                "published": h.published.isoformat() if h.published else None,
                "relevant": h.relevant,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            date = h.published.strftime("%Y-%m-%d") if h.published else "----------"
            click.echo(f"{h.id[:8]}  {date}  {h.title}\n          {h.snippet}")
    if not hits and not as_json:
        click.echo(
            "no match" + ("" if search_all else "; 'kzfeed search --all' also looks at items left out")
        )


COMMANDS = [watch, status, prune, search]
