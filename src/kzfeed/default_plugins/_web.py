"""What the ``rss`` and ``html`` source types share: their main URL and its health, article
pages through the polite fetcher, and HTML fragments as plain text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kzfeed.articles import split_paragraphs
from kzfeed.errors import FetchError, InputError, SourceError
from kzfeed.sources import CONFIGURED_URL, SourceContext, current_url

if TYPE_CHECKING:  # loading the plugins (e.g. for 'kzfeed --help') imports no HTTP client
    from kzfeed.http import FetchResult
    from kzfeed.models import RawItem

__all__ = ["fetch_article", "fetch_main", "html_paragraphs", "html_to_text", "reason"]

_BLOCKS = frozenset(
    "p div li ul ol h1 h2 h3 h4 h5 h6 blockquote tr table pre section article header footer figure".split()
)


def fetch_main(ctx: SourceContext, configured: str, *, check_robots: bool) -> FetchResult | None:
    """Fetch the source's feed or listing page and record its health on ``ctx``.

    Returns ``None`` when it did not change (304, or still fresh): nothing to parse.
    A permanent redirect (301/308) is remembered, with a warning, and used from then on.
    """
    if ctx.http is None:
        raise SourceError(ctx.source, "this source type needs the network, which this run has none of")
    url = current_url(ctx.state, configured)
    ctx.cursor[CONFIGURED_URL] = configured
    try:
        result = ctx.http.get(url, source=ctx.source, check_robots=check_robots, force=ctx.refetch)
    except FetchError as exc:
        ctx.record_main_page(url=url, status=exc.status)
        raise
    if result.permanent_url and result.permanent_url != url:
        ctx.warn(
            f"{url} moved permanently to {result.permanent_url}; kzfeed uses the new URL from now on "
            "(update the source's url in the config)"
        )
        url = result.permanent_url
    ctx.record_main_page(url=url, status=result.status, not_modified=result.not_modified)
    return None if result.not_modified else result


def fetch_article(ctx: SourceContext, url: str) -> RawItem:
    """Fetch an article page (robots.txt obeyed) and extract it. Raises ``FetchError`` or
    ``InputError`` (no article in the page)."""
    if ctx.http is None:
        raise SourceError(ctx.source, "this source type needs the network, which this run has none of")
    result = ctx.http.get(url, source=ctx.source, check_robots=True, force=True)
    if result.content_type and "html" not in result.content_type and "xml" not in result.content_type:
        raise InputError(f"{url} is {result.content_type}, not an HTML page")
    return ctx.extract(result.text, url=result.url)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (a feed's summary or content): one paragraph per block,
    separated by a blank line."""
    return "\n\n".join(html_paragraphs(markup))


def html_paragraphs(markup: str) -> list[str]:
    """The paragraphs of an HTML fragment: one per block."""
    if "<" not in markup and "&" not in markup:
        return split_paragraphs(markup)
    import lxml.html  # lazy: only feeds with markup need it

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # lxml raises several types on garbage; the text is what is left
        return split_paragraphs(re.sub(r"<[^>]*>", " ", markup))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in ("script", "style"):
            element.drop_tree()
        elif element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _BLOCKS:
            element.tail = "\n\n" + (element.tail or "")
            element.text = "\n\n" + (element.text or "")
    return split_paragraphs(root.text_content())


def reason(exc: Exception) -> str:
    """An error's message without the ``source 'name': `` prefix (for a warning of that source)."""
    return exc.detail if isinstance(exc, SourceError) else str(exc)
