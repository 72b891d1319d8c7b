"""The sanitiser is built once (``nh3.Cleaner``) and serves every thread: it must clean exactly as
``nh3.clean`` with the same options did, each thread's links made absolute against its own base."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import nh3
from hypothesis import given, settings

from kzfeed.articles import safe_url, sanitize_html
from kzfeed.articles._sanitize import _ATTRIBUTES, _TAGS, _URL_ATTRIBUTES, SAFE_URL_SCHEMES
from test_sanitize_properties import BASE_URL, MARKUP


def _one_shot(markup: str, base_url: str | None) -> str:
    """What ``sanitize_html`` was: ``nh3.clean`` with the options given at every call."""

    def attribute(element: str, name: str, value: str) -> str | None:
        if name not in _URL_ATTRIBUTES:
            return value
        return safe_url(value, base_url=base_url, mailto=name == "href")

    cleaned: str = nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=set(SAFE_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=attribute,
    )
    return cleaned.strip()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(markup=MARKUP, base_url=BASE_URL)
def test_the_cleaner_built_once_cleans_as_nh3_clean_did(markup: str, base_url: str | None) -> None:
    assert sanitize_html(markup, base_url=base_url) == _one_shot(markup, base_url)


def test_each_thread_makes_links_absolute_against_its_own_base() -> None:
    markup = "".join(f'<p><a href="page{k}.html">{k}</a> <img src="i{k}.png" alt="x"></p>' for k in range(50))

    def clean(n: int) -> list[bool]:
        base = f"https://site{n}.example/dir/"
        return [sanitize_html(markup, base_url=base) == _one_shot(markup, base) for _ in range(20)]

    with ThreadPoolExecutor(8) as pool:
        assert all(all(same) for same in pool.map(clean, range(32)))
    # and no base is left behind for a call without one: relative links are dropped
    assert "href" not in sanitize_html('<a href="x.html">x</a>')
