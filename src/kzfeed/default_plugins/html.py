"""The ``html`` source type: article pages cleaned with trafilatura, either listed in the
config (``urls``) or discovered on a listing page or sitemap (``url``).

Example::

    [[sources]]
    name = "eeas-kazakhstan"
    type = "html"
    url = "https://www.eeas.europa.eu/delegations/kazakhstan/press-material_en"
    include = ['/delegations/kazakhstan/']
    max_items = 20
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from kzfeed.default_plugins._web import fetch_article, fetch_main, reason
from kzfeed.errors import ConfigError, FetchError, InputError, SourceError
from kzfeed.hookspecs import hookimpl
from kzfeed.http import canonical_url, is_same_site
from kzfeed.models import RawItem
from kzfeed.sources import SourceContext, check_options

if TYPE_CHECKING:
    from kzfeed.http import FetchResult

# path segments of pages that list or navigate rather than tell a story
_NAVIGATION = frozenset(
    "tag tags category categories author authors page search login logout register subscribe "
    "contact about feed rss archive archives privacy cookies terms sitemap wp-admin wp-login".split()
)
_PAGE_EXTENSIONS = frozenset({"", "html", "htm", "shtml", "php", "asp", "aspx"})
_SITEMAPS_PER_INDEX = 5  # child sitemaps read from a sitemap index, the newest first
_LOC = re.compile(r"<loc>\s*(.*?)\s*</loc>", re.S)
# pages of one source fetched and extracted at once: this many per extraction process, at
# least _PAGES_AT_ONCE. The fetcher keeps to the per-host limits, the extraction processes to
# the cores: these threads mostly wait, and enough of them keep every process busy while pages
# wait on the network, or on this process between their fetch and their extraction
_PAGES_AT_ONCE = 4
_PAGES_PER_PROCESS = 4


class HtmlSource:
    """Article pages of a site without a (full) feed. A page that cannot be fetched or has no
    article is a warning; the source fails only when nothing at all could be read."""

    type_name: ClassVar[str] = "html"
    options: ClassVar[dict[str, str]] = {
        "urls": "article pages to read, as a list of URLs (give this or url)",
        "url": "a listing/section page or a sitemap whose article links are followed (give this or urls)",
        "include": "regular expressions; a discovered link is followed only if one matches (default all)",
        "exclude": "regular expressions; a discovered link that matches one is not followed (default none)",
        "max_items": "at most this many new pages fetched per run (default 20)",
        "outlet": "outlet to record for the items (default: the site name in the page's metadata)",
    }
    example_config: ClassVar[dict[str, Any]] = {"url": "https://astanatimes.com/category/kazakhstan-eu/"}
    example_fixtures: ClassVar[dict[str, str]] = {
        "/category/kazakhstan-eu/": "astanatimes/category.html",
        "/2025/06/kazakhstan-eu-sign-roadmap-on-critical-raw-materials/": "astanatimes/roadmap.html",
        "/2025/05/kazakh-french-forum-in-astana-focuses-on-energy/": "astanatimes/forum.html",
    }

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        where = f"source {name!r}"
        check_options(
            where,
            options,
            {"urls": list, "url": str, "include": list, "exclude": list, "max_items": int, "outlet": str},
        )
        if ("urls" in options) == ("url" in options):
            raise ConfigError(
                f"{where}: give either 'urls' (article pages) or 'url' (a listing page or sitemap)"
            )
        self.name = name
        try:
            self.urls = [canonical_url(str(u)) for u in options.get("urls", [])]
            self.url = canonical_url(str(options["url"])) if "url" in options else None
        except InputError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        self.include = _patterns(where, "include", options.get("include", []))
        self.exclude = _patterns(where, "exclude", options.get("exclude", []))
        self.max_items = int(options.get("max_items", 20))
        if self.max_items < 1:
            raise ConfigError(f"{where}: key 'max_items' must be at least 1")
        self.outlet: str | None = options.get("outlet")

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        if self.url is None:
            yield from self._pages(ctx, self.urls, listed=True)
            return
        result = fetch_main(ctx, self.url, check_robots=True)
        if result is None:
            return
        links = _sitemap_links(ctx, result) if _is_sitemap(result) else _page_links(result)
        wanted = [u for u in dict.fromkeys(links) if self._wanted(u, result.url)]
        if not wanted:
            ctx.warn(
                f"no article links found on {result.url}; check the url and the include/exclude patterns"
            )
        yield from self._pages(ctx, wanted, listed=False)

    def _wanted(self, url: str, listing: str) -> bool:
        if url == listing or not is_same_site(url, listing):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        if any(p.search(url) for p in self.exclude):
            return False
        return bool(self.include) or _looks_like_article(url)

    def _pages(self, ctx: SourceContext, urls: list[str], *, listed: bool) -> Iterator[RawItem]:
        new = [u for u in urls if ctx.refetch or u not in ctx.known]  # stored ones are not fetched again
        if len(new) > self.max_items:
            ctx.log.info("max_items (%d) reached; the other pages wait for the next run", self.max_items)
        wanted = new[: self.max_items]
        failed = 0
        first_error: Exception | None = None
        at_once = max(_PAGES_AT_ONCE, _PAGES_PER_PROCESS * getattr(ctx.extractor, "processes", 1))
        if wanted and (prepare := getattr(ctx.extractor, "prepare", None)):
            prepare()  # the extraction processes start while the first pages are fetched
        if expect := getattr(ctx.http, "expect", None):  # a stand-in fetcher may have none
            expect(wanted)  # their validators in one query, not one per page
        for url, got in _in_order(lambda url: fetch_article(ctx, url), wanted, at_once):
            if isinstance(got, RawItem):
                yield self._item(url, got)
                continue
            failed += 1
            first_error = first_error or got
            ctx.warn(f"page {url} skipped: {reason(got)}")
        if listed and wanted and failed == len(wanted) and first_error is not None:
            raise SourceError(
                self.name, f"none of its {len(wanted)} page(s) could be read; first: {reason(first_error)}"
            )

    def _item(self, url: str, article: RawItem) -> RawItem:
        return article.with_guid(url, url=url, outlet=self.outlet)


def _in_order(
    read: Callable[[str], RawItem], urls: list[str], at_once: int
) -> Iterator[tuple[str, RawItem | FetchError | InputError]]:
    """``(url, article or its error)`` in the order of ``urls``, up to ``at_once`` pages
    read at once: the polite fetcher still spaces and limits the requests to each host, and
    each page goes to the extraction processes as soon as it has arrived, so one source's
    pages are extracted on every core. Other errors (a stop signal, a source error) are raised."""
    if len(urls) < 2:  # nothing to overlap: no thread
        for url in urls:
            yield url, _read_one(read, url)
        return
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="kzfeed-page") as pool:
        pending: deque[tuple[str, Future[RawItem | FetchError | InputError]]] = deque()
        try:
            for url in urls:
                pending.append((url, pool.submit(_read_one, read, url)))
                if len(pending) >= at_once:
                    first, future = pending.popleft()
                    yield first, future.result()
            while pending:
                first, future = pending.popleft()
                yield first, future.result()
        finally:  # the consumer stopped early, or an error: start no more pages
            for _, future in pending:
                future.cancel()


def _read_one(read: Callable[[str], RawItem], url: str) -> RawItem | FetchError | InputError:
    try:
        return read(url)
    except (FetchError, InputError) as exc:
        return exc


def _patterns(where: str, key: str, values: list[Any]) -> list[re.Pattern[str]]:
    compiled = []
    for value in values:
        try:
            compiled.append(re.compile(str(value)))
        except re.error as exc:
            raise ConfigError(f"{where}: key {key!r}: {value!r} is not a regular expression ({exc})") from exc
    return compiled


def _looks_like_article(url: str) -> bool:
    """Article links have a slug or an id in their last path segment; section, tag, paging
    and asset links do not."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments or any(s.lower() in _NAVIGATION for s in segments):
        return False
    last = segments[-1]
    stem, _, ext = last.rpartition(".") if "." in last else (last, "", "")
    if ext.lower() not in _PAGE_EXTENSIONS:
        return False
    digits = sum(c.isdigit() for c in stem)
    return stem.count("-") >= 2 or stem.count("_") >= 2 or digits >= 4


def _is_sitemap(result: FetchResult) -> bool:
    head = result.content[:512].lstrip()
    return (
        b"<urlset" in result.content[:2048]
        or b"<sitemapindex" in result.content[:2048]
        or ("xml" in result.content_type and head.startswith(b"<?xml") and b"<html" not in head)
    )


def _page_links(result: FetchResult) -> list[str]:
    import lxml.html  # lazy

    try:
        root = lxml.html.fromstring(result.text, base_url=result.url)
    except Exception:  # an empty or garbage page has no links
        return []
    links = []
    for element, attribute, link, _pos in root.iterlinks():
        if element.tag != "a" or attribute != "href":
            continue
        try:
            links.append(canonical_url(link, base=result.url))
        except InputError:
            continue
    return links


def _sitemap_links(ctx: SourceContext, result: FetchResult, depth: int = 0) -> list[str]:
    text = result.text
    locs = []
    for loc in _LOC.findall(text):
        try:
            locs.append(canonical_url(loc.replace("&amp;", "&"), base=result.url))
        except InputError:
            continue
    if "<sitemapindex" not in text[:2048] or depth > 0 or ctx.http is None:
        return locs
    links: list[str] = []
    for child in locs[-_SITEMAPS_PER_INDEX:][::-1]:  # indexes list the newest last, as a rule
        try:
            got = ctx.http.get(child, source=ctx.source, check_robots=True, force=True)
        except FetchError as exc:
            ctx.warn(f"sitemap {child} skipped: {reason(exc)}")
            continue
        links.extend(_sitemap_links(ctx, got, depth + 1))
    return links


@hookimpl
def register_sources(register: Any) -> None:
    register("html", HtmlSource)
