"""The ``kzfeed sources`` commands: the health table, un-pausing, OPML import and export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from kzfeed.cli import subscribe
from kzfeed.cli.app import complete_sources
from kzfeed.cli.app import current_app as _app
from kzfeed.cli.subscribe import canonical, slug
from kzfeed.config import DEFAULT_CONFIG_NAME, find_config_path
from kzfeed.errors import InputError
from kzfeed.models import SourceState
from kzfeed.sources import current_url


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


def _state_label(state: SourceState | None, enabled: bool) -> str:
    if state is None:
        return "new" if enabled else "disabled"
    if state.paused:
        return "paused"
    if not enabled:
        return "disabled"
    if state.consecutive_failures:
        return f"failing x{state.consecutive_failures}"
    return "ok" if state.last_ok else "new"


@click.group(invoke_without_command=True)
@click.pass_context
def sources(ctx: click.Context) -> None:
    """The health of every source: state, HTTP status, items last run, failures, next due.

    Subcommands: add URL (find a site's feed and subscribe), check URL (preview only),
    remove NAME, reset NAME (un-pause), import FILE.opml, export (OPML 2.0).
    """
    if ctx.invoked_subcommand is not None:
        return
    app = _app()
    stored = {s.name: s for s in app.store().source_states()}
    configured = {sc.name: sc for sc in app.config.sources}
    names = list(configured) + sorted(set(stored) - set(configured))
    header = ("NAME", "TYPE", "STATE", "HTTP", "ITEMS", "LAST ATTEMPT", "LAST OK", "NEXT DUE")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for name in names:
        state, sc = stored.get(name), configured.get(name)
        label = _state_label(state, sc.enabled if sc else False) if sc else "not in config"
        rows.append(
            (
                name,
                sc.type if sc else (state.type if state else "-"),
                label,
                str(state.last_status) if state and state.last_status else "-",
                str(state.items_last_run) if state and state.last_attempt else "-",
                _when(state.last_attempt if state else None),
                _when(state.last_ok if state else None),
                _when(state.due_at if state else None),
            )
        )
        if state and state.last_error:
            notes.append(f"{name}: {state.last_error}")
        if state and state.paused:
            notes.append(f"{name}: paused; run 'kzfeed sources reset {name}' once it is fixed")
        configured_url = canonical(str(sc.options.get("url", ""))) if sc else ""
        if state and configured_url and current_url(state, configured_url) != configured_url:
            notes.append(f"{name}: moved permanently; fetched from {state.url}")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for note in notes:
        click.echo(note)


@sources.command()
@click.argument("name", shell_complete=complete_sources)
def reset(name: str) -> None:
    """Un-pause a source and clear its failures and every wait (back-off, a server's
    Retry-After), so that the next run fetches it."""
    app = _app()
    store = app.store()
    if not store.set_paused(name, False):
        known = ", ".join(s.name for s in store.source_states()) or "none yet"
        raise InputError(f"no source named {name!r} has run yet (sources with a health row: {known})")
    configured = next((sc for sc in app.config.sources if sc.name == name), None)
    state = next((s for s in store.source_states() if s.name == name), None)
    from kzfeed.pipeline import source_urls

    store.clear_http_waits(source_urls(configured.options if configured else {}, state))
    click.echo(f"{name}: reset; the next 'kzfeed run' fetches it")


@sources.command(name="import")
@click.argument("opml_file", type=click.Path(dir_okay=False, path_type=Path))
def import_opml(opml_file: Path) -> None:
    """Add the feeds of an OPML file (exported by a feed reader) to the config as rss sources."""
    from kzfeed.config import add_sources
    from kzfeed.http import canonical_url

    app = _app()
    from kzfeed.publish import read_opml  # here: the XML parser is not needed by other commands

    subscriptions = read_opml(opml_file)
    if not subscriptions:
        raise InputError(f"{str(opml_file)!r} lists no feeds (no outline has an xmlUrl)")
    path = find_config_path(app.config_path) or Path.cwd() / DEFAULT_CONFIG_NAME
    config = app.config
    names = {sc.name for sc in config.sources}
    have = {canonical(str(sc.options.get("url", ""))) for sc in config.sources}
    tables = []
    for sub in subscriptions:
        try:
            url = canonical_url(sub.url)
        except InputError as exc:
            click.echo(f"skipped: {exc}", err=True)
            continue
        if url in have:
            click.echo(f"already there: {sub.url}")
            continue
        name = base = slug(sub.title, url)
        n = 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.add(name)
        have.add(url)
        table = {"name": name, "type": "rss", "url": sub.url}
        if sub.title:
            table["outlet"] = sub.title
        tables.append(table)
        click.echo(f"added: {name}  {sub.url}")
    if tables:
        add_sources(path, tables)
    click.echo(f"{len(tables)} feed(s) added to {path}")


@sources.command(name="export")
def export_opml() -> None:
    """Print the rss sources as OPML 2.0, for a feed reader to import."""
    from kzfeed.publish import Subscription, render_opml

    app = _app()
    stored = {s.name: s for s in app.store().source_states()}
    subscriptions = []
    for sc in app.config.sources:
        if sc.type != "rss" or "url" not in sc.options:
            continue
        url = str(sc.options["url"])
        if sc.name in stored:
            url = current_url(stored[sc.name], canonical(url))
        subscriptions.append(Subscription(url=url, title=str(sc.options.get("outlet") or sc.name)))
    click.echo(render_opml(app.config.title, subscriptions, created=datetime.now(UTC)), nl=False)


for _command in subscribe.COMMANDS:
    sources.add_command(_command)

COMMANDS = [sources]
