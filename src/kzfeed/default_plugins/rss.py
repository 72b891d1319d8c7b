"""The ``rss`` source type: an RSS 0.9x/1.0/2.0 or Atom feed (feedparser) or a JSON Feed 1.0/1.1, with the full text
of each article fetched from its page when the feed carries only a summary.

Example::

    [[sources]]
    name = "astana-times"
    type = "rss"
    url = "https://astanatimes.com/feed/"
    full_content = "auto"   # fetch the article page when an entry has only a summary
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from kzfeed.articles import ArticleExtractor, HelperTimeout
from kzfeed.default_plugins._feeditems import (
    NotAFeed,
    ParsedFeed,
    parse_feed,
    read_feed_text,
    ready,
    with_page,
)
from kzfeed.default_plugins._web import fetch_article, fetch_main, reason
from kzfeed.errors import ConfigError, FetchError, InputError, SourceError
from kzfeed.hookspecs import hookimpl
from kzfeed.http import canonical_url
from kzfeed.models import RawItem
from kzfeed.sources import SourceContext, check_options

if TYPE_CHECKING:
    from kzfeed.http import FetchResult

__all__ = ["PARSE_TIMEOUT", "RssSource", "read_feed"]

#: seconds a feed's parse may take in the run's helper process (a body of ``fetch.max_bytes``,
#: 10 MB, takes a few): past it the parser is stopped and the source fails with an error
PARSE_TIMEOUT = 60.0


class RssSource:
    """Reads a feed; every entry becomes an item. A feed with errors that feedparser can still
    read is ingested with a warning; one it cannot read is a source error."""

    type_name: ClassVar[str] = "rss"
    options: ClassVar[dict[str, str]] = {
        "url": "address of the RSS, Atom or JSON feed (required)",
        "full_content": '"auto" (default): fetch the article page when an entry carries only a '
        "summary; true: always; false: never (keep the feed's text)",
        "max_items": "read at most this many entries per run, the first in the feed (default all)",
        "outlet": "outlet to record for the items (default: the feed's title)",
    }
    example_config: ClassVar[dict[str, Any]] = {"url": "https://astanatimes.com/feed/"}
    example_fixtures: ClassVar[dict[str, str]] = {"/feed/": "astanatimes/feed.xml"}

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        where = f"source {name!r}"
        check_options(
            where,
            options,
            {"url": str, "full_content": (str, bool), "max_items": int, "outlet": str},
            required=("url",),
        )
        self.name = name
        try:
            self.url = canonical_url(str(options["url"]))
        except InputError as exc:
            raise ConfigError(f"{where}: key 'url': {exc}") from exc
        full = options.get("full_content", "auto")
        if full not in ("auto", True, False):
            raise ConfigError(f"{where}: key 'full_content' must be \"auto\", true or false, not {full!r}")
        self.full_content: str | bool = full
        self.max_items: int | None = options.get("max_items")
        if self.max_items is not None and self.max_items < 1:
            raise ConfigError(f"{where}: key 'max_items' must be at least 1")
        self.outlet: str | None = options.get("outlet")

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        result = fetch_main(ctx, self.url, check_robots=False)  # subscribed feeds: no robots.txt
        if result is None:
            return
        read = partial(
            parse_feed,
            result.content,
            result.headers.get("content-type"),
            result.url,
            full_content=self.full_content,
            max_items=self.max_items,
            outlet=self.outlet,
        )
        parsed = self._parse(ctx, read, result.url)
        if parsed.error is not None:
            raise SourceError(self.name, parsed.error)
        if parsed.warning is not None:
            ctx.warn(parsed.warning)
        for entry in parsed.entries:
            link = entry.item.url
            if not entry.wants_page or link is None:
                yield entry.item
                continue
            if entry.item.guid in ctx.known and not ctx.refetch:
                continue  # stored with its page already: not fetched again
            try:
                article = fetch_article(ctx, link)
            except (FetchError, InputError) as exc:
                ctx.warn(f"full text of {link} not fetched, the feed's text is kept: {reason(exc)}")
                yield entry.item
            else:
                yield with_page(entry, article)

    def _parse(self, ctx: SourceContext, read: Callable[[], ParsedFeed], url: str) -> ParsedFeed:
        """``read()``: in the run's helper process once a run has parsed many feeds (see
        ``ArticleExtractor.offload``), else here."""
        if not isinstance(ctx.extractor, ArticleExtractor):
            return read()
        try:
            return ctx.extractor.offload(read, ready=ready, timeout=PARSE_TIMEOUT)
        except HelperTimeout:
            raise SourceError(
                self.name,
                f"{url} was not parsed within {PARSE_TIMEOUT:g} s, the parser was stopped; "
                "check the feed in a browser, and tell the site if it lasts",
            ) from None


def read_feed(result: FetchResult, source: str) -> Any:
    """The feed in ``result`` as feedparser gives it (``version``, ``feed``, ``entries``): RSS,
    Atom, or a JSON Feed read into the same shape. Raises ``SourceError`` when it is no feed."""
    try:
        return read_feed_text(result.text, result.url)
    except NotAFeed as exc:
        raise SourceError(source, str(exc)) from None


@hookimpl
def register_sources(register: Any) -> None:
    register("rss", RssSource)
