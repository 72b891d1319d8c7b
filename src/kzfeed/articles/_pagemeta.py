"""A page's metadata as trafilatura reads it, for the fields kzfeed keeps (title, author, date,
site name, image), from a tree parsed once and shared with the text extraction.

``trafilatura.extract_metadata`` also reads categories, tags and a licence, which kzfeed does
not keep and which cost a third of the metadata's time; this runs the same steps in the same
order without them. Private to ``kzfeed.articles._extract``; trafilatura is imported lazily.
"""

from __future__ import annotations

import contextlib
from typing import Any

__all__ = ["page_metadata"]

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
    meta.author = meta.author or extract_author(tree)
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
