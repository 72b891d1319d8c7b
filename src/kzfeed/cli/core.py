"""The core commands: run, ingest, render, items, show, export, plugins, db."""

from __future__ import annotations

import json
import logging
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from kzfeed.cli.app import complete_sources, complete_topics
from kzfeed.cli.app import current_app as _app
from kzfeed.cli.app import progress as _progress
from kzfeed.cli.report import exit_for, print_report
from kzfeed.errors import InputError
from kzfeed.models import TOPICS, Item, RawItem, SourceStatus

if TYPE_CHECKING:
    from kzfeed.ops import RunResult


def _ingest(
    refetch: bool, sources: tuple[str, ...], wait: float | None, render_feeds: bool, every_source: bool
) -> RunResult:
    """One locked run over the due sources (``kzfeed.ops._worker``). Another run of this worker
    holding the lock ends this command with one line and exit code 0. When nothing is due on
    SQLite, ``run_if_idle`` finds that without importing SQLAlchemy (most runs from cron)."""
    from kzfeed.ops import run_if_idle

    app = _app()
    app.project_config()
    if not (refetch or sources or every_source) and (idle := run_if_idle(app.config, app.host)):
        return idle
    from kzfeed.ops import LockBusy, run_due, stop_on_signals
    from kzfeed.pipeline import build_sources

    count = len(sources) or len(build_sources(app.config, app.host))
    with _progress("Sources", 0 if app.quiet else count) as tick, stop_on_signals(threading.Event()) as stop:
        try:
            return run_due(
                app.config,
                app.host,
                app.run_store(),
                refetch=refetch,
                every_source=every_source,
                only=sources or None,
                render_feeds=render_feeds,
                wait=wait,
                stop=stop,
                on_source=tick,
                on_start=tick.started if tick else None,
            )
        except LockBusy as exc:
            if not app.quiet:  # nothing went wrong: another run is doing the work
                click.echo(f"kzfeed: {exc}", err=True)
            sys.exit(0)


_refetch = click.option(
    "--refetch",
    is_flag=True,
    help="Fetch every source now, due or not, and read again what is already stored.",
)
_source = click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_sources,
    help="Only this source, fetched now, due or not (repeatable).",
)
_all = click.option(
    "--all",
    "every_source",
    is_flag=True,
    help="Fetch every source now, due or not (with conditional requests: unchanged feeds cost a 304).",
)
_json = click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
_wait = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Wait this long for a run in progress to finish (default: ops.lock_wait, 0).",
)


@click.command()
@_all
@_refetch
@_source
@_json
@_wait
def run(
    every_source: bool, refetch: bool, sources: tuple[str, ...], as_json: bool, wait: float | None
) -> None:
    """Fetch the sources that are due, classify, store, and write the feeds.

    A source is due when its interval (its own 'every', else [ops] every) has passed since it
    was fetched, or later when its server or a back-off asked for more; --all, --refetch and
    --source fetch at once. Exits 0 when every source worked, 1 when some failed (named on stderr), 2 on a
    configuration error. A run started while another one runs exits 0 at once (or after
    --wait) with one line; SIGTERM or Ctrl-C stops it after the current source.
    """
    result = _ingest(refetch, sources, wait, render_feeds=True, every_source=every_source)
    print_report(result.report, as_json, result.written, stopped=result.stopped)
    _say_next(result, as_json)
    exit_for(result.report)


def _say_next(result: RunResult, as_json: bool) -> None:
    """When the next source is due, when this run fetched none."""
    fetched = any(s.status not in (SourceStatus.PAUSED, SourceStatus.SKIPPED) for s in result.report.sources)
    if as_json or _app().quiet or fetched or result.next_due_in is None:
        return
    click.echo(f"no source is due; the next one is in {_duration(result.next_due_in)}")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


@click.command()
@_all
@_refetch
@_source
@_json
@_wait
def ingest(
    every_source: bool, refetch: bool, sources: tuple[str, ...], as_json: bool, wait: float | None
) -> None:
    """Fetch the due sources, classify and store, without writing the feeds."""
    result = _ingest(refetch, sources, wait, render_feeds=False, every_source=every_source)
    print_report(result.report, as_json, stopped=result.stopped)
    _say_next(result, as_json)
    exit_for(result.report)


@click.command(name="render")
@click.option(
    "--if-dirty", is_flag=True, help="Only when items were stored since the last render (PostgreSQL)."
)
def render_cmd(if_dirty: bool) -> None:
    """Write the feeds and pages from what is stored.

    With several workers on PostgreSQL it waits for a render in progress to end, so that one
    worker writes at a time; on a machine that serves public/ but runs no worker, call it from
    cron (with --if-dirty) and set [ops] render = false on the workers."""
    from kzfeed.ops import render_now, worker_name

    app = _app()
    written = render_now(app.config, app.store(), worker_name(app.config), if_dirty=if_dirty)
    if written is None:
        click.echo("feeds: nothing new since the last render")
    else:
        click.echo(f"feeds: {len(written)} file(s) changed in {app.config.output_dir}")


def _short_date(item: Item) -> str:
    return item.published.strftime("%Y-%m-%d") if item.published else "----------"


def _check_topic(topic: str) -> None:
    """Raise ``InputError`` for a topic that neither the vocabulary nor any stored item has."""
    from difflib import get_close_matches

    app = _app()
    known = {*TOPICS, *app.config.classifier.options.get("topics", {})}
    if topic in known or topic in (known := known | app.store().topics()):
        return
    close = get_close_matches(topic, sorted(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InputError(f"unknown topic {topic!r}; {hint}topics: {', '.join(sorted(known))}")


def _entity_names(name: str) -> list[str]:
    """The stored names ``name`` may stand for: itself, and the entities the configured
    classifier recognises in it, in any spelling or script ('Токаев', 'Tokaïev', 'EU')."""
    from kzfeed.pipeline import build_classifier  # lazy: building it takes ~0.5 s

    app = _app()
    found = build_classifier(app.config, app.host).classify(RawItem(title=name))
    return [name, *(entity.name for entity in found.entities)]


@click.command(name="items")
@click.option(
    "--topic", metavar="TOPIC", shell_complete=complete_topics, help="Only items tagged with this topic."
)
@click.option(
    "--entity",
    metavar="NAME",
    help="Only items that mention this person, organisation or place, in any spelling or script.",
)
@click.option("--all", "show_all", is_flag=True, help="Also items left out of the feeds, with the reason.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
def items_cmd(topic: str | None, entity: str | None, show_all: bool, limit: int | None) -> None:
    """List stored items, newest first."""
    store = _app().store()
    if topic is not None:
        _check_topic(topic)
    names = _entity_names(entity) if entity is not None else None
    listed = 0
    for item in store.iter_items(relevant=None if show_all else True, topic=topic, entity=names, limit=limit):
        listed += 1
        topics = ",".join(item.topics) or "-"
        line = f"{item.id[:8]}  {_short_date(item)}  {item.lang or '--'}  {item.title}  [{topics}]"
        if show_all:
            mark = "feed" if item.relevant else "out "
            line = f"{mark}  {line}"
            if not item.relevant and item.classification:
                line += f"\n      {item.classification.reason}"
        click.echo(line)
    if not listed:
        found = f"no items mention {entity!r}" if entity is not None else "no items"
        click.echo(found + ("" if show_all else "; 'kzfeed items --all' also shows items left out"))


@click.command()
@click.argument("item_id")
@click.option("--explain", is_flag=True, help="Also the stored evidence of the relevance and of each topic.")
def show(item_id: str, explain: bool) -> None:
    """Show one stored item (give its id or the first characters of it)."""
    item = _app().store().get_item(item_id)
    c = item.classification
    fields = [
        ("id", item.id),
        ("title", item.title),
        ("source", item.source),
        ("url", item.url or "-"),
        ("outlet", item.outlet or "-"),
        ("author", item.author or "-"),
        ("published", item.published.isoformat() if item.published else "unknown (the text gives no date)"),
        ("language", item.lang or "-"),
        ("in feeds", "yes" if item.relevant else "no"),
        ("story", item.story_id or item.id),
    ]
    if c is not None:
        fields.append(("relevance", f"{c.relevance:.2f} ({c.reason})"))
        fields.append(("topics", ", ".join(f"{t.topic} ({t.score:.2f})" for t in c.topics) or "-"))
        fields.append(("entities", ", ".join(e.name for e in c.entities) or "-"))
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        click.echo(f"{key:<{width}}  {value}")
    if explain and c is not None:
        from kzfeed.classify import explain as explain_text

        click.echo("")
        click.echo(explain_text(c))
    if explain:
        click.echo("")
        for line in _story_explanation(item):
            click.echo(line)
    click.echo("")
    click.echo(item.content_text)


def _story_explanation(item: Item) -> list[str]:
    """Why ``item`` is in its story with the other reports (``show --explain``)."""
    from kzfeed.stories import explain_story, group_stories, report_windows

    app = _app()
    store = app.store()
    members = store.story_items(item.story_id or item.id) or [item]
    (story,) = group_stories(members, app.config.languages)
    return explain_story(story, store.story_reports(report_windows(members)))


def export_record(item: Item) -> dict[str, Any]:
    """One line of ``kzfeed export``."""
    c = item.classification
    return {
        "id": item.id,
        "story": item.story_id or item.id,
        "source": item.source,
        "url": item.url,
        "title": item.title,
        "published": item.published.isoformat() if item.published else None,
        "updated": item.updated.isoformat() if item.updated else None,
        "lang": item.lang,
        "outlet": item.outlet,
        "author": item.author,
        "summary": item.summary,
        "text": item.content_text,
        "relevant": item.relevant,
        "relevance": round(c.relevance, 4) if c else 0.0,
        "reason": c.reason if c else "",
        "topics": list(item.topics),
        "entities": [e.name for e in c.entities] if c else [],
    }


@click.command()
@click.option("--all", "export_all", is_flag=True, help="Every stored item, not only those in the feeds.")
@click.option(
    "--topic", metavar="TOPIC", shell_complete=complete_topics, help="Only items tagged with this topic."
)
@click.option(
    "--entity", metavar="NAME", help="Only items that mention this entity, in any spelling or script."
)
def export(export_all: bool, topic: str | None, entity: str | None) -> None:
    """Print stored items as JSON Lines on stdout, one item a line."""
    if topic is not None:
        _check_topic(topic)
    names = _entity_names(entity) if entity is not None else None
    for item in _app().store().iter_items(relevant=None if export_all else True, topic=topic, entity=names):
        click.echo(json.dumps(export_record(item), ensure_ascii=False))


@click.command()
def plugins() -> None:
    """List the loaded plugins, the hooks each implements, and what failed to load.

    Exits 1 when a plugin failed to load."""
    quiet_host = logging.getLogger("kzfeed.plugins")
    quiet_host.disabled = True  # failures are listed below, once
    try:
        host = _app().host
        source_types, classifiers = sorted(host.source_types()), sorted(host.classifiers())
    finally:
        quiet_host.disabled = False
    for p in host.loaded:
        click.echo(f"{p.name}  ({p.origin})")
        click.echo(f"    hooks: {', '.join(p.hooks) or '-'}")
    click.echo(f"source types: {', '.join(source_types) or '-'}")
    click.echo(f"classifiers: {', '.join(classifiers) or '-'}")
    for replacement in host.replacements:
        click.echo(f"replaced: {replacement}")
    for f in host.failures:
        click.echo(f"FAILED {f.name}  ({f.origin}): {f.error}")
    if host.failures:
        sys.exit(1)  # a monitor or a CI step hears of it


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command()
def upgrade() -> None:
    """Apply the database migrations (also done whenever kzfeed opens the database)."""
    from kzfeed.storage import head_revision

    _app().store()
    click.echo(f"database is at revision {head_revision()}")


@db.command()
@click.option("-m", "--message", required=True, help="What the migration changes.")
def revision(message: str) -> None:
    """(For developers) generate a migration from the difference between tables and database."""
    _app().store().write_migration(message)


COMMANDS = [run, ingest, render_cmd, items_cmd, show, export, plugins, db]
