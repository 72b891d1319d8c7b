"""``kzfeed sources add | check | remove``: subscribe by a site's address, preview, unsubscribe."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kzfeed.cli.app import complete_sources
from kzfeed.cli.app import current_app as _app
from kzfeed.config import DEFAULT_CONFIG_NAME, find_config_path
from kzfeed.errors import InputError

if TYPE_CHECKING:
    from kzfeed.default_plugins.discover import FoundFeed

_NAME_CHARS = re.compile(r"[^a-z0-9]+")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # as config checks source names
#: on-beat entries listed under the preview
_SHOWN = 5


def slug(title: str | None, url: str) -> str:
    """A source name from a feed's title (or its address): lower case, '-' between words."""
    base = _NAME_CHARS.sub("-", (title or url.split("//", 1)[-1]).lower()).strip("-")[:56].strip("-")
    return base or "feed"


def canonical(url: str) -> str:
    """``url`` canonical (as sources are compared), or as given when it is no URL."""
    from kzfeed.http import canonical_url

    try:
        return canonical_url(url)
    except InputError:
        return url


def _find(url: str) -> FoundFeed:
    from kzfeed.default_plugins.discover import find_feed
    from kzfeed.http import Fetcher
    from kzfeed.pipeline import fetch_policy

    with Fetcher(fetch_policy(_app().config.fetch)) as fetcher:
        return find_feed(fetcher, url)


def _preview(found: FoundFeed) -> None:
    """What a subscriber would get: title, entries, languages, how many are on the beat."""
    from kzfeed.pipeline import build_classifier

    app = _app()
    click.echo(f"feed: {found.url}  ({found.format}, {found.how})")
    click.echo(f"title: {found.title or '-'}")
    if not found.entries:
        click.echo("entries: none right now (the feed is empty)")
        return
    classifier = build_classifier(app.config, app.host)
    results = [(doc, classifier.classify(doc)) for doc in found.entries]
    langs = Counter(c.lang or doc.lang or "?" for doc, c in results)
    click.echo(
        f"entries: {len(results)}; languages: " + ", ".join(f"{lang} {n}" for lang, n in langs.most_common())
    )
    on_beat = [doc for doc, c in results if c.relevant]
    click.echo(
        f"on the beat: {len(on_beat)} of {len(results)} "
        f"(classifier {app.config.classifier.name!r}; the others would be left out of the feeds)"
    )
    for doc in on_beat[:_SHOWN]:
        click.echo(f"  + {doc.title}")
    if len(on_beat) > _SHOWN:
        click.echo(f"  ... and {len(on_beat) - _SHOWN} more")


@click.command()
@click.argument("url")
def check(url: str) -> None:
    """Find the feed of URL (a site, a page or a feed) and show what it holds; add nothing."""
    _preview(_find(url))


@click.command()
@click.argument("url")
@click.option("--name", metavar="NAME", help="The source's name (default: from the feed's title).")
def add(url: str, name: str | None) -> None:
    """Find the feed of URL (a site, a page or a feed), show what it holds, and add it to
    kzfeed.toml as an rss source; the rest of the file is kept as written."""
    from kzfeed.config import add_sources

    app = _app()
    config = app.project_config()
    names = {sc.name for sc in config.sources}
    if name is not None and not _NAME.match(name):
        raise InputError(f"--name {name!r}: use letters, digits, '-', '_' or '.' (at most 64)")
    if name is not None and name in names:
        raise InputError(f"a source named {name!r} exists already; choose another --name")
    found = _find(url)
    same = [sc.name for sc in config.sources if canonical(str(sc.options.get("url", ""))) == found.url]
    if same:
        raise InputError(f"{found.url} is already a source: {same[0]!r}")
    if name is None:
        name = base = slug(found.title, found.url)
        n = 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
    _preview(found)
    path = find_config_path(app.config_path) or Path.cwd() / DEFAULT_CONFIG_NAME
    add_sources(path, [{"name": name, "type": "rss", "url": found.url}])
    click.echo(f"added source {name!r} to {path}; 'kzfeed run' fetches it")


@click.command()
@click.argument("name", shell_complete=complete_sources)
def remove(name: str) -> None:
    """Take the source NAME out of kzfeed.toml (what it stored stays in the database)."""
    from kzfeed.config import remove_source

    app = _app()
    path = app.project_config().path
    if path is None:
        raise InputError(
            f"no {DEFAULT_CONFIG_NAME} here lists sources; the built-in default has only 'seeds'"
        )
    remove_source(path, name)
    click.echo(f"removed source {name!r} from {path}")


COMMANDS = [add, check, remove]
