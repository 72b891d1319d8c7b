"""Commands about what subscribers see: stories (clusters of reports) and serving public/."""

from __future__ import annotations

import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from kzfeed.cli.app import counting, progress
from kzfeed.cli.app import current_app as _app

if TYPE_CHECKING:
    from kzfeed.models import Story
    from kzfeed.storage import StoreProtocol


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Also stories of one report.")
@click.option("--rebuild", is_flag=True, help="Cluster every stored item again (after an upgrade).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many stories.")
def stories(show_all: bool, rebuild: bool, limit: int | None) -> None:
    """List the stories: reports of the same story from several sources, shown as one entry."""
    from kzfeed.pipeline import rebuild_stories

    app = _app()
    store = app.store()
    if rebuild:
        with progress("Items", 0 if app.quiet else store.count_items()) as tick:
            changed = rebuild_stories(store, on_batch=counting(tick))
        store.mark_feeds_dirty()  # the next run renders them even if it stores nothing
        click.echo(
            f"stories rebuilt: {changed} item(s) changed story; run 'kzfeed render' to update the feeds"
        )
    shown = 0
    for page in _story_pages(store, app.config.languages, 2 if not show_all else 1):
        page = page[: None if limit is None else limit - shown]
        _echo_stories(page)
        shown += len(page)
        if limit is not None and shown >= limit:
            break
    if not shown:
        click.echo("no story has more than one report" + ("" if show_all else "; '--all' lists every story"))


def _story_pages(
    store: StoreProtocol, languages: Sequence[str], min_reports: int, size: int = 200
) -> Iterator[list[Story]]:
    """The stories in the feeds, newest first by the date of the report that started each,
    ``size`` at a time, each page read from where the last ended (memory and the cost of a
    page stay flat however many are stored)."""
    from kzfeed.stories import group_stories

    after = None
    while page := store.newest_stories(size, after=after, min_reports=min_reports):
        found = {s.id: s for s in group_stories(store.items_of_stories([i for i, _ in page]), languages)}
        yield [found[i] for i, _ in page if i in found]
        after = page[-1]


def _echo_stories(page: list[Story]) -> None:
    """Each story with its reports, and why each joined it (rarity counted over the page)."""
    from kzfeed.stories import why_grouped

    why = why_grouped(page)
    for story in page:
        lead = story.lead
        date = lead.published.strftime("%Y-%m-%d") if lead.published else "----------"
        click.echo(f"{story.id[:8]}  {date}  {len(story.others) + 1} report(s)  {lead.title}")
        for item in (lead, *story.others):
            reason = f"  ({item.lang or '?'}) {why[item.id]}" if item.id in why else ""
            source = item.outlet or item.author or item.source
            click.echo(f"    {item.id[:8]}  {source}  {item.url or item.guid}{reason}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port.")
def serve(host: str, port: int) -> None:
    """Serve the feeds and pages of output_dir over HTTP (ETag, 304, gzip)."""
    from kzfeed.serve import make_server

    config = _app().config
    server = make_server(config.output_dir, host, port)
    bound_host, bound_port = server.server_address[:2]
    try:
        with _stopped_by_signals():  # before the first line: a signal from then on stops it cleanly
            click.echo(
                f"serving {config.output_dir} at http://{bound_host!s}:{bound_port}/ (Ctrl-C stops)", err=True
            )
            warning = _elsewhere(config.base_url, str(bound_host), int(bound_port))
            if warning:
                click.echo(f"kzfeed: warning: {warning}", err=True)
            server.serve_forever()  # returns on Ctrl-C or SIGTERM (waitress catches the interrupt)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    click.echo("kzfeed: stopped serving", err=True)  # Ctrl-C or SIGTERM is how it is stopped: exit 0


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Ctrl-C and SIGTERM (``systemctl stop``) stop the server, even where the shell that
    started it ignores SIGINT (a background job, ``nohup``)."""

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"})


def _elsewhere(base_url: str, host: str, port: int) -> str | None:
    """Why links in the feeds would not reach this server, or None when base_url is here."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    base_port = parts.port or (443 if parts.scheme == "https" else 80)
    same_host = parts.hostname == host or {parts.hostname, host} <= _LOOPBACK
    if same_host and base_port == port:
        return None
    here = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    return (
        f"base_url is {base_url} but this serves {here}: the links in the feeds go there, not here; "
        f'set base_url = "{here}" in kzfeed.toml to try it locally (fine if a proxy serves base_url)'
    )


COMMANDS = [stories, serve]
