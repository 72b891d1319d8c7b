"""The data types change shape in one place each: one article type (``RawItem``) from a reader to
the pipeline, normalised once when it is made; an Item becomes a Document in one place."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from factories import make_item
from kzfeed import RawItem
from kzfeed.articles import clean_text_article
from kzfeed.pipeline._normalise import normalise


def test_a_readers_article_is_the_item_a_source_yields_once_it_has_its_guid() -> None:
    article = RawItem(
        title="EU and Kazakhstan sign a roadmap",
        paragraphs=("Brussels and Astana agreed.", "Lithium is next."),
        published=datetime(2025, 6, 2, 4, 30, tzinfo=UTC),
        outlet="Astana Times",
        lang="en",
        author="A. Writer",
        image="https://example.org/a.jpg",
        notes=("no byline",),
    )
    raw = article.with_guid("a-1", url="https://example.org/a")
    assert type(raw) is RawItem
    assert raw.text == "Brussels and Astana agreed.\n\nLithium is next."
    assert raw.paragraphs == article.paragraphs
    for field in dataclasses.fields(RawItem):
        if field.name not in ("guid", "url"):
            assert getattr(raw, field.name) == getattr(article, field.name), field.name
    assert (raw.guid, raw.url) == ("a-1", "https://example.org/a")
    assert article.with_guid("a-1", outlet="Configured outlet").outlet == "Configured outlet"
    assert article.document(id="x").text == raw.text


def test_clean_article_is_still_importable_with_a_warning_naming_its_replacement() -> None:
    import kzfeed
    import kzfeed.articles

    with pytest.warns(DeprecationWarning, match="RawItem"):
        old = kzfeed.CleanArticle
    with pytest.warns(DeprecationWarning, match="RawItem"):
        assert kzfeed.articles.CleanArticle is old
    assert old is RawItem
    article = old(title="T", paragraphs=("One.", "Two."))
    with pytest.warns(DeprecationWarning, match="with_guid"):
        raw = article.raw_item(guid="g", url="https://example.org/t")
    assert (raw.guid, raw.url, raw.text) == ("g", "https://example.org/t", "One.\n\nTwo.")


def test_text_is_normalised_and_split_once_when_the_item_is_made() -> None:
    raw = RawItem(
        guid="g",
        title="Coope\u0301ration\x00 UE",
        text="Le\u00a0 Kazakhstan  et\x01 l'UE\r\n\r\n\r\ncoope\u0301rent.\n",
    )
    assert raw.title == "Coopération UE"
    assert raw.paragraphs == ("Le Kazakhstan et l'UE", "coopérent.")
    assert all(unicodedata.is_normalized("NFC", p) for p in raw.paragraphs)
    item = normalise(raw, source="s", source_type="t")  # stores what was made, reads nothing again
    assert item.content_text == "Le Kazakhstan et l'UE\n\ncoopérent."
    assert item.title == "Coopération UE"
    # a changed text is split again: the paragraphs never describe an older text
    assert replace(raw, text="Autre texte.").paragraphs == ("Autre texte.",)
    # a reader's paragraphs stay paragraphs, normalised the same way
    assert RawItem(title="t", paragraphs=("a\u0301  b", " ", "c\nd")).paragraphs == ("\u00e1 b", "c d")


def test_a_file_article_keeps_its_paragraphs_from_the_reader_to_the_stored_item() -> None:
    article = clean_text_article("Kazakhstan and the EU\n\nFirst paragraph here.\n\nSecond one, longer.\n")
    item = normalise(article.with_guid("f.txt"), source="files", source_type="files")
    assert item.content_text.split("\n\n") == list(article.paragraphs)


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


def test_a_classifiers_document_is_in_nfc_whoever_made_it() -> None:
    from kzfeed import Document

    document = Document(title="Re\u0301publique", text="coope\u0301ration")
    assert (document.title, document.text) == ("République", "coopération")


def test_a_stored_item_holds_the_article_it_was_made_from_and_a_classifier_reads_it() -> None:
    from kzfeed import Document, Item

    raw = RawItem(guid="g", title="Astana and Brussels", text="Lithium.\n\nHydrogen.", lang="en")
    item = normalise(raw, source="s", source_type="t")
    assert type(item.article) is RawItem and Document is RawItem
    assert (item.title, item.content_text, item.text, item.guid) == (
        raw.title,
        raw.text,
        raw.text,
        "g",
    )
    assert item.article.paragraphs == raw.paragraphs
    # what a plugin's process_item does still works, and changes the article
    renamed = replace(item, title="KZ-EU: " + item.title)
    assert renamed.article.title == "KZ-EU: Astana and Brussels" and renamed.id == item.id
    # a classifier reads the item itself (title, text, language, id): nothing is copied
    assert item.document() is item and item.document(lang="kk") is item
    # what the item holds besides its article is what kzfeed decided about it
    assert [f.name for f in dataclasses.fields(Item)] == [
        "id",
        "source",
        "article",
        "content_hash",
        "canonical_url",
        "first_seen",
        "simhash",
        "story_id",
        "classification",
    ]
