"""A page's author (shown by ``kzfeed item``, credited in the feeds and pages, exported): found as
trafilatura's author search finds it, which is skipped only on pages it cannot find one in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzfeed.articles import _pagemeta
from kzfeed.articles._extract import extract_page

_TEXT = "<p>" + " ".join(["The ministry said the new rail line would open next spring."] * 4) + "</p>"


def page(byline: str) -> str:
    return (
        "<html><head><title>Rail line to open next spring</title></head><body><article>"
        f"<h1>Rail line to open next spring</h1>{byline}{_TEXT}</article></body></html>"
    )


@pytest.mark.parametrize(
    "byline",
    [
        '<span class="byline">Aigerim Sadykova</span>',
        '<div id="author">Aigerim Sadykova</div>',
        '<p class="post-author-name">Aigerim Sadykova</p>',
        '<span itemprop="author">Aigerim Sadykova</span>',
        '<div data-component="Byline">Aigerim Sadykova</div>',
        '<a rel="author" href="/a">Aigerim Sadykova</a>',
        '<span class="writer">Aigerim Sadykova</span>',
        "<author>Aigerim Sadykova</author>",
        '<div class="x"><rel>me</rel>Aigerim Sadykova</div>',  # trafilatura: "Me Aigerim Sadykova"
    ],
)
def test_every_kind_of_byline_markup_still_names_the_author(byline: str) -> None:
    author = extract_page(page(byline), url="https://site.example/a.html").author
    assert author is not None and author.endswith("Aigerim Sadykova")


def test_a_page_without_byline_markup_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura.metadata

    searched: list[Any] = []
    monkeypatch.setattr(trafilatura.metadata, "extract_author", lambda tree: searched.append(tree))
    got = extract_page(page('<p class="lead">By the press office</p>'), url="https://site.example/a.html")
    assert got.author is None and searched == []
    extract_page(page('<span class="byline">Aigerim Sadykova</span>'), url="https://site.example/a.html")
    assert len(searched) == 1


def test_the_check_knows_the_installed_trafilaturas_author_expressions() -> None:
    """A trafilatura release with other author expressions turns the check off (every page is
    searched, as before); this test then fails, so that the check is made again for them."""
    assert _pagemeta._author_hints() is not None


_VALUES = ["author", "Author-box", "byline", "BYLINE", "byl", "BBL", "username", "screenname", "writer",
           "author name", "AuthorCard", "zuozhe", "posted-by", "journalist-name", "channel-name", "me",
           "lead", "meta", "x", ""]  # fmt: skip
_ATTRIBUTES = ["class", "id", "rel", "itemprop", "data-testid", "data-component", "title", "name"]
_TAGS = ["div", "span", "a", "p", "h3", "author", "rel", "link", "strong", "address", "section"]


@st.composite
def marked_up(draw: st.DrawFn) -> str:
    elements = []
    for _ in range(draw(st.integers(1, 5))):
        tag = draw(st.sampled_from(_TAGS))
        attributes = draw(st.dictionaries(st.sampled_from(_ATTRIBUTES), st.sampled_from(_VALUES), max_size=2))
        shown = "".join(f' {k}="{v}"' for k, v in attributes.items())
        elements.append(f"<{tag}{shown}>{draw(st.sampled_from(_VALUES))} Aigerim Sadykova</{tag}>")
    return page("".join(elements))


@settings(max_examples=300, deadline=None)
@given(marked_up())
def test_the_search_is_skipped_only_where_it_finds_nothing(html: str) -> None:
    from trafilatura import load_html
    from trafilatura.metadata import extract_author
    from trafilatura.xpaths import AUTHOR_XPATHS

    tree = load_html(html)
    if any(expression(tree) for expression in AUTHOR_XPATHS):
        assert _pagemeta._may_name_an_author(tree)
    if not _pagemeta._may_name_an_author(tree):
        assert extract_author(tree) is None
