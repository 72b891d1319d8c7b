"""The data types change shape in one place each: an article becomes a RawItem, an Item a Document."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, datetime

from factories import make_item
from kzfeed.models import CleanArticle


def test_a_clean_article_becomes_a_raw_item_with_every_field_it_has() -> None:
    article = CleanArticle(
        title="EU and Kazakhstan sign a roadmap",
        paragraphs=("Brussels and Astana agreed.", "Lithium is next."),
        published=datetime(2025, 6, 2, 4, 30, tzinfo=UTC),
        outlet="Astana Times",
        lang="en",
        author="A. Writer",
        image="https://example.org/a.jpg",
        notes=("no byline",),
    )
    raw = article.raw_item(guid="a-1", url="https://example.org/a")
    assert raw.text == "Brussels and Astana agreed.\n\nLithium is next."
    for name in (f.name for f in dataclasses.fields(CleanArticle) if f.name != "paragraphs"):
        assert getattr(raw, name) == getattr(article, name), name
    assert (raw.guid, raw.url) == ("a-1", "https://example.org/a")
    assert article.raw_item(guid="a-1", outlet="Configured outlet").outlet == "Configured outlet"
    assert article.document(id="x").text == raw.text


def test_an_item_is_read_by_the_classifier_in_its_own_language_or_the_detected_one() -> None:
    item = replace(make_item(), lang=None)
    document = item.document(lang="kk")
    assert (document.title, document.text, document.id, document.lang) == (
        item.title,
        item.content_text,
        item.id,
        "kk",
    )
    assert replace(item, lang="fr").document(lang="kk").lang == "fr"
