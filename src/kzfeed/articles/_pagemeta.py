"""A page's metadata as trafilatura reads it, for the fields kzfeed keeps (title, author, date,
site name, image), from a tree parsed once and shared with the text extraction.

``trafilatura.extract_metadata`` also reads categories, tags and a licence, which kzfeed does
not keep and which cost a third of the metadata's time; this runs the same steps in the same
order without them. Private to ``kzfeed.articles._extract``; trafilatura is imported lazily.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from functools import cache
from typing import Any

__all__ = ["page_metadata"]

# trafilatura's author search (``extract_author``) copies the page, prunes comments, sidebars,
# dates and figures from the copy, then tries three XPath expressions on it (~0.8 ms a page).
# Every element those expressions can match has an attribute (rel, id, class, itemprop,
# data-testid, data-component) that contains one of these strings, or is an <author> element, or
# has a <rel> child; pruning only takes elements away. A page with none of them has no author
# for trafilatura, and is not searched. Checked against the expressions of trafilatura 2.3
# (their digest below): a release that changes them is searched on every page, as before.
_AUTHOR_XPATHS_DIGEST = "e2b00f1a6ccd057a"
_AUTHOR_HINT = re.compile(
    "uthor|byl|yline|BBL|username|screenname|writer|zuozhe|bianji|xiaobian|channel-name"
    "|submitted-by|posted-by|journalist-name"
)

# htmldate's options: the original publication date with its time and zone, read from the
# page's metadata and markup only (an extensive search would pick dates out of the text)
_DATE_PARAMS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


def page_metadata(tree: Any, url: str | None) -> dict[str, str | None]:
    """``title``, ``author``, ``date`` (ISO 8601), ``sitename`` and ``image`` of the page whose
    lxml tree is ``tree`` (read, not changed), as ``trafilatura.extract_metadata`` finds them."""
    from htmldate import find_date  # trafilatura's own date finder, called as it calls it
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # a handle, not a name
        meta.author = None
    with contextlib.suppress(Exception):  # trafilatura's own guard: bugs in its JSON-LD reading
        meta = extract_meta_json(tree, meta)
    meta.title = meta.title or extract_title(tree)
    if not meta.author and _may_name_an_author(tree):
        meta.author = extract_author(tree)
    meta.url = meta.url or extract_url(tree, url)
    meta.date = find_date(tree, **_DATE_PARAMS, url=meta.url)
    meta.sitename = meta.sitename or extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")  # a Twitter handle
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url and (domain := META_URL.match(meta.url)):
        meta.sitename = domain[1]
    meta.clean_and_trim()  # trafilatura's length limit and unescaping, on every field
    return {field: getattr(meta, field) for field in ("title", "author", "date", "sitename", "image")}


@cache
def _author_hints() -> tuple[Any, Any] | None:
    """The XPath expressions that find a page's author-like attributes and elements, or None
    when trafilatura's author expressions are not those this check was made for."""
    from lxml import etree
    from trafilatura.xpaths import AUTHOR_XPATHS  # those extract_author tries

    paths = "\x00".join(expression.path for expression in AUTHOR_XPATHS)
    if hashlib.sha256(paths.encode()).hexdigest()[:16] != _AUTHOR_XPATHS_DIGEST:
        return None
    attributes = etree.XPath(
        "//@rel|//@id|//@class|//@itemprop|//@data-testid|//@data-component", smart_strings=False
    )
    return attributes, etree.XPath("boolean(//author|//rel)")


def _may_name_an_author(tree: Any) -> bool:
    """False when trafilatura's author search cannot find anything in ``tree`` (see above)."""
    hints = _author_hints()
    if hints is None:
        return True
    attributes, elements = hints
    return bool(elements(tree)) or _AUTHOR_HINT.search("\x00".join(attributes(tree))) is not None
