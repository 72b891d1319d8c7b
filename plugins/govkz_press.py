"""Example local plugin: the press releases of a ministry on gov.kz, which publishes no feed.

Every Kazakh ministry keeps its news on the gov.kz portal as an HTML listing page: a card per
release with a link, a headline, a date and a lead. This source reads the listing, then each
release's page for the full text (its lead is kept when that page cannot be read)::

    [[sources]]
    name = "mfa-kz"
    type = "govkz-press"
    url = "https://www.gov.kz/memleket/entities/mfa/press/news?lang=en"
    max_items = 20           # default 30
    fetch_articles = true    # default true: read each release's page for the full text

The fixture pages it is tested with are in ``plugins/fixtures/govkz/``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from kzfeed import FetchError, InputError, RawItem, SourceContext, SourceError, check_options, hookimpl
from kzfeed.articles import link_at, parse_listing, text_at

_CARD = "//article[contains(concat(' ', normalize-space(@class), ' '), ' news-card ')]"


class GovKzPress:
    """The press-release listing of one gov.kz entity (ministry, akimat, agency)."""

    type_name: ClassVar[str] = "govkz-press"
    options: ClassVar[dict[str, str]] = {
        "url": "the listing page, e.g. https://www.gov.kz/memleket/entities/mfa/press/news?lang=en",
        "max_items": "read at most this many releases, newest first (default 30)",
        "fetch_articles": "read each release's page for the full text (default true)",
        "outlet": "outlet recorded on each item (default: the ministry's name from the page)",
    }
    example_config: ClassVar[dict[str, Any]] = {
        "url": "https://www.gov.kz/memleket/entities/mfa/press/news?lang=en",
    }
    example_fixtures: ClassVar[dict[str, str]] = {
        "/memleket/entities/mfa/press/news": "govkz/mfa_news.html",
        "/memleket/entities/mfa/press/news/details/934521": "govkz/release_934521.html",
        "/memleket/entities/mfa/press/news/details/934377": "govkz/release_934377.html",
        "/memleket/entities/mfa/press/news/details/934102": "govkz/release_934102.html",
    }

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        where = f"source {name!r}"
        check_options(
            where,
            options,
            {"url": str, "max_items": int, "fetch_articles": bool, "outlet": str},
            required=("url",),
        )
        self.name = name
        self.url = str(options["url"])
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise InputError(f"{where}: 'url' must be an http(s) URL, not {self.url!r}")
        self.max_items = int(options.get("max_items", 30))
        self.fetch_articles = bool(options.get("fetch_articles", True))
        self.outlet = options.get("outlet")

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        if ctx.http is None:
            raise SourceError(self.name, "needs the HTTP client, and this run has none")
        listing = ctx.http.get(self.url, source=self.name, force=ctx.refetch)
        if listing.not_modified:
            return
        page = parse_listing(listing.text, base_url=listing.url)
        outlet = self.outlet or text_at(page, "//meta[@property='og:site_name']/@content") or None
        seen: set[str] = set()
        for card in page.xpath(_CARD):
            url = link_at(card, ".//a[@href][1]/@href")
            title = text_at(card, ".//*[contains(@class, 'news-card__title')]")
            if not url or not title:
                ctx.warn(f"a card on {listing.url} has no link or headline; skipped")
                continue
            if url in seen:  # the pinned release is listed twice
                continue
            seen.add(url)
            if len(seen) > self.max_items:
                return
            lead = text_at(card, ".//*[contains(@class, 'news-card__lead')]")
            published = _date(card, ctx)
            text, author = lead, None
            if self.fetch_articles:
                text, author = self._article(url, lead, ctx)
            if not text:
                ctx.warn(f"{url}: no text in the listing or on the page; skipped")
                continue
            yield RawItem(
                guid=urlsplit(url).path,
                url=url,
                title=title,
                text=text,
                summary=lead or None,
                author=author,
                outlet=outlet,
                published=published,
            )

    def _article(self, url: str, lead: str, ctx: SourceContext) -> tuple[str, str | None]:
        from kzfeed.articles import extract_article

        assert ctx.http is not None
        try:
            got = ctx.http.get(url, source=self.name, check_robots=True, force=True)
            article = extract_article(got.text, url=url)
        except (FetchError, InputError) as exc:
            detail = exc.detail if isinstance(exc, FetchError) else str(exc)
            ctx.warn(f"{detail}; kept the lead from the listing")
            return lead, None
        return article.text, article.author


def _date(card: Any, ctx: SourceContext) -> datetime | None:
    from kzfeed.articles import parse_date

    stamp = text_at(card, ".//time/@datetime") or text_at(card, ".//time")
    if not stamp:
        return None
    published = parse_date(stamp)
    if published is None:
        ctx.warn(f"cannot read the date {stamp!r}; the release is kept without one")
    return published


@hookimpl
def register_sources(register: Any) -> None:
    register("govkz-press", GovKzPress)
