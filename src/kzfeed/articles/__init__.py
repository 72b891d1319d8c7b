"""Articles: bytes in, clean article out (plain text and furniture, HTML extraction on a process pool, dates, listings, sanitising)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from kzfeed._lazy import lazy_names
from kzfeed.plaintext import split_paragraphs

if TYPE_CHECKING:
    from kzfeed.articles._dates import parse_date
    from kzfeed.articles._extract import extract_article
    from kzfeed.articles._feedlinks import COMMON_FEED_PATHS, FEED_TYPES, feed_links
    from kzfeed.articles._furniture import author_name
    from kzfeed.articles._listing import link_at, parse_listing, text_at
    from kzfeed.articles._pool import ArticleExtractor
    from kzfeed.articles._read import ARTICLE_SUFFIXES, article_kind, read_article, sniff_kind
    from kzfeed.articles._sanitize import SAFE_URL_SCHEMES, paragraphs_to_html, safe_url, sanitize_html
    from kzfeed.articles._text import clean_text_article, summarize

__all__ = [
    "ARTICLE_SUFFIXES",
    "COMMON_FEED_PATHS",
    "FEED_TYPES",
    "SAFE_URL_SCHEMES",
    "ArticleExtractor",
    "article_kind",
    "author_name",
    "clean_text_article",
    "extract_article",
    "feed_links",
    "link_at",
    "paragraphs_to_html",
    "parse_date",
    "parse_listing",
    "read_article",
    "safe_url",
    "sanitize_html",
    "sniff_kind",
    "split_paragraphs",
    "summarize",
    "text_at",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    _lazy_getattr, __dir__ = lazy_names(
        __name__,
        {
            "_dates": "parse_date",
            "_extract": "extract_article",
            "_furniture": "author_name",
            "_feedlinks": "COMMON_FEED_PATHS FEED_TYPES feed_links",
            "_listing": "link_at parse_listing text_at",
            "_pool": "ArticleExtractor",
            "_read": "ARTICLE_SUFFIXES article_kind read_article sniff_kind",
            "_sanitize": "SAFE_URL_SCHEMES paragraphs_to_html safe_url sanitize_html",
            "_text": "clean_text_article summarize",
        },
    )

    def __getattr__(name: str) -> Any:
        if name == "CleanArticle":  # deprecated: readers return a kzfeed.RawItem
            warnings.warn(
                "kzfeed.articles.CleanArticle is deprecated: readers return a kzfeed.RawItem; "
                "give it its guid with article.with_guid(guid)",
                DeprecationWarning,
                stacklevel=2,
            )
            from kzfeed.models import RawItem

            return RawItem
        return _lazy_getattr(name)
