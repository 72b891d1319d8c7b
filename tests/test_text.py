"""Tests for kzfeed.articles._text: cleaning plain-text articles, decoding files, leads and HTML."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kzfeed import RawItem
from kzfeed.articles._text import (
    NO_DATE_NOTE,
    clean_text_article,
    drop_furniture,
    sentence_case_headline,
    summarize,
)
from kzfeed.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = json.loads((Path(__file__).parent / "data" / "text" / "golden.json").read_text(encoding="utf-8"))

# The site furniture found around the seed articles, written independently of the cleaner.
SEED_FURNITURE = [
    r"Suivez nous sur",
    r"PARTAGEZ\s*:",
    r"Publié le",
    r"on",
    r"Publicité",
    r"PUB",
    r"Loading\.\.\.",
    r".*Voir Plus",
    r"LIRE AUSSI\s*:.*",
    r"Newsletter",
    r"Pour rester informé.*",
    r"Illustration .*",
    r"Image\s*:.*",
    r"Tendance",
    r"Partagez cet article\s*:",
    r"EU Reporter publie des articles.*",
    r"par \|.*",
    r"parlement",
    r"Kazakhstan",
    r"Lagazette",
    r"Paris / La Gazette",
    r"\d{1,2}\.? \w+ \d{4}.*",
]


def _seed(name: str) -> RawItem:
    return clean_text_article((SEEDS / name).read_text(encoding="utf-8"), name=name)


def test_golden_file_covers_every_seed() -> None:
    assert sorted(GOLDEN) == sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_seed_matches_golden(name: str) -> None:
    expected = GOLDEN[name]
    article = _seed(name)
    assert article.title == expected["title"]
    published = article.published.isoformat() if article.published else None
    assert published == expected["published"]
    assert article.outlet == expected["outlet"]
    assert article.lang == expected["lang"]
    assert article.paragraphs[0] == expected["first_paragraph"]
    assert article.paragraphs[-1] == expected["last_paragraph"]
    assert len(article.paragraphs) == expected["paragraph_count"]
    assert (NO_DATE_NOTE in article.notes) == (expected["published"] is None)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_seed_paragraphs_hold_no_furniture_or_repeated_headline(name: str) -> None:
    article = _seed(name)
    headline = re.sub(r"\W", "", article.title.casefold())
    for paragraph in article.paragraphs:
        for pattern in SEED_FURNITURE:
            assert not re.fullmatch(pattern, paragraph, re.IGNORECASE), (pattern, paragraph)
        assert re.sub(r"\W", "", paragraph.casefold()) != headline
        assert paragraph == unicodedata.normalize("NFC", paragraph)
        assert paragraph == " ".join(paragraph.split())
    assert article.published is None or article.published.tzinfo is UTC


def test_seed_subheadings_are_kept_as_paragraphs() -> None:
    article = _seed("002_c932985c6913562f.txt")
    assert "Dialogue politique" in article.paragraphs
    assert "Commerce et investissement :" in article.paragraphs
    assert "objectifs de développement durable (ODD)" in article.paragraphs


def test_date_in_a_body_sentence_is_not_the_publication_date() -> None:
    article = clean_text_article(
        "Kazakhstan and France prepare a business forum\n\n"
        "The forum is planned for 28 May 2025 in Astana, officials said on Tuesday.\n"
        "Both sides want to expand trade in energy and raw materials.\n"
    )
    assert article.published is None
    assert article.notes == (NO_DATE_NOTE,)


def test_dates_are_read_in_the_header_zone_and_from_published_lines_only() -> None:
    text = (
        "Kazakhstan and the EU open a new chapter\n"
        "The two sides signed a partnership on Monday in Astana, officials said.\n"
        "Timeline\n"
        "5 November 2024\n"
        "The deal was signed after two years of talks.\n"
        "Published: 4 November 2024\n"
    )
    article = clean_text_article(text)
    assert article.published == datetime(2024, 11, 4, tzinfo=UTC)
    assert "5 November 2024" in article.paragraphs  # a date inside the body stays body


def test_byline_right_after_the_first_paragraph() -> None:
    text = (
        "Kazakhstan and the EU open a new chapter\n"
        "The two sides signed a partnership on Monday in Astana.\n"
        "By Jane Doe, 5 November 2024\n"
        "The deal was signed after two years of talks.\n"
    )
    article = clean_text_article(text)
    assert article.published == datetime(2024, 11, 5, tzinfo=UTC)
    assert article.author == "Jane Doe"
    assert len(article.paragraphs) == 2


ENGLISH = """\
Home
World

EU and Kazakhstan agree to expand rail freight links

By Jane Doe | 5 November 2024 10:00 GMT

Share on Facebook Twitter

The European Union and Kazakhstan agreed on Tuesday to expand rail freight links across
the Caspian Sea, officials said after talks in Brussels.
Advertisement
Read more: EU unveils Global Gateway plan for Central Asia
The deal covers new terminals in Aktau and faster customs checks. Talks are expected to continue
in 2025.
Photo: Reuters
EU AND KAZAKHSTAN AGREE TO EXPAND RAIL FREIGHT LINKS
EU Reporter publishes articles from a variety of outside sources which express a wide range of viewpoints.
Subscribe to our newsletter
Related
"""


def test_english_article_furniture_byline_and_wrapping() -> None:
    article = clean_text_article(ENGLISH, name="en.txt")
    assert article.title == "EU and Kazakhstan agree to expand rail freight links"
    assert article.paragraphs == (
        "The European Union and Kazakhstan agreed on Tuesday to expand rail freight links across "
        "the Caspian Sea, officials said after talks in Brussels.",
        "The deal covers new terminals in Aktau and faster customs checks. Talks are expected to "
        "continue in 2025.",
    )
    assert article.published == datetime(2024, 11, 5, 10, 0, tzinfo=UTC)
    assert article.author == "Jane Doe"
    assert article.outlet == "EU Reporter"
    assert article.lang == "en"
    assert article.notes == ()


def test_german_article() -> None:
    text = (
        "Kasachstan und EU vertiefen Rohstoffpartnerschaft\n"
        "Veröffentlicht am 3. März 2024, 10:15 Uhr (UTC+01:00)\n"
        "Von Max Mustermann\n\n"
        "Die Europäische Union und Kasachstan wollen bei seltenen Erden enger zusammenarbeiten. "
        "Das teilte die Kommission in Brüssel mit.\n\n"
        "Werbung\n\n"
        "Lesen Sie auch: Habeck reist nach Astana\n\n"
        "Bild: dpa\n"
        "Kasachstan verfügt über große Vorkommen an kritischen Rohstoffen, die für die Energiewende "
        "gebraucht werden.\n"
        "Teilen\n"
    )
    article = clean_text_article(text, name="de.txt")
    assert article.title == "Kasachstan und EU vertiefen Rohstoffpartnerschaft"
    assert len(article.paragraphs) == 2
    assert article.paragraphs[1].startswith("Kasachstan verfügt")
    assert article.published == datetime(2024, 3, 3, 9, 15, tzinfo=UTC)
    assert article.author == "Max Mustermann"
    assert article.lang == "de"


def test_russian_article() -> None:
    text = (
        "Рубрика\n"
        "Казахстан и ЕС обсудили энергетическое сотрудничество\n"
        "5 ноября 2024, 14:30\n"
        "Фото: пресс-служба МИД РК\n"
        "Министр иностранных дел Казахстана встретился в Брюсселе с комиссаром ЕС по энергетике. "
        "Стороны обсудили поставки урана и водорода.\n"
        "Читайте также: Казахстан и Германия подписали соглашение\n"
        "Реклама\n"
        "КАЗАХСТАН И ЕС ОБСУДИЛИ ЭНЕРГЕТИЧЕСКОЕ СОТРУДНИЧЕСТВО\n"
        "Стороны договорились провести следующий раунд переговоров в Астане в 2025 году.\n"
        "Поделиться\n"
    )
    article = clean_text_article(text, name="ru.txt")
    assert article.title == "Казахстан и ЕС обсудили энергетическое сотрудничество"
    assert [p[:20] for p in article.paragraphs] == ["Министр иностранных ", "Стороны договорились"]
    assert article.published == datetime(2024, 11, 5, 14, 30, tzinfo=UTC)
    assert article.lang == "ru"


def test_kazakh_article_dateline() -> None:
    text = (
        "Қазақстан мен ЕО сирек металдар бойынша ынтымақтастықты кеңейтеді\n"
        "2025 жылғы 12 қарашада\n"
        "Қазақстан мен Еуропалық Одақ сирек жер металдарын өндіру және өңдеу саласындағы "
        "ынтымақтастықты кеңейтуге келісті.\n"
    )
    article = clean_text_article(text)
    assert article.published == datetime(2025, 11, 12, tzinfo=UTC)
    assert article.lang == "kk"
    assert len(article.paragraphs) == 1


def test_all_caps_headline_takes_the_body_casing() -> None:
    text = (
        "KAZAKHSTAN AND THE EBRD SIGN A GREEN HYDROGEN DEAL IN ASTANA\n\n"
        "Kazakhstan and the EBRD signed a deal on green hydrogen on Monday. The bank will lend "
        "to projects in the west of Kazakhstan, officials in Astana said.\n"
    )
    article = clean_text_article(text)
    assert article.title == "Kazakhstan and the EBRD sign a green hydrogen deal in Astana"


def test_sentence_case_headline_leaves_mixed_case_alone() -> None:
    assert (
        sentence_case_headline("EU and Kazakhstan talk", ["the eu and kazakhstan"])
        == "EU and Kazakhstan talk"
    )


def test_headline_repeated_in_other_case_is_dropped() -> None:
    text = (
        "Brussels hosts talks on Central Asia\n"
        "brussels hosts talks on central asia\n"
        "The European Union hosted ministers from the five Central Asian states on Monday.\n"
        "Brussels Hosts Talks On Central Asia.\n"
    )
    article = clean_text_article(text)
    assert article.paragraphs == (
        "The European Union hosted ministers from the five Central Asian states on Monday.",
    )


def test_site_name_and_section_lines_are_never_the_title() -> None:
    text = "Astanatimes\n\nEconomy\n\nKazakhstan opens a trade office in Brussels\n\nThe office will help exporters.\n"
    article = clean_text_article(text)
    assert article.title == "Kazakhstan opens a trade office in Brussels"
    assert article.paragraphs == ("The office will help exporters.",)


def test_place_and_outlet_dateline_gives_the_outlet() -> None:
    text = "Kazakhstan opens a trade office in Brussels\nAstana / The Steppe Courier\nThe office opened on Monday.\n"
    article = clean_text_article(text)
    assert article.outlet == "The Steppe Courier"
    assert article.paragraphs == ("The office opened on Monday.",)


def test_hard_wrapped_lines_are_joined_but_not_lines_ending_sentences() -> None:
    text = (
        "Trade between the EU and Kazakhstan grows\n\n"
        "Trade between the two partners grew by a third\n"
        "in 2024, according to official figures.\n"
        "Exports of oil dominate.\n"
        "metals come second in value.\n"
    )
    article = clean_text_article(text)
    assert article.paragraphs == (
        "Trade between the two partners grew by a third in 2024, according to official figures.",
        "Exports of oil dominate.",
        "metals come second in value.",
    )


def test_whitespace_and_unicode_are_normalised() -> None:
    text = "Coope\u0301ration : un nouvel accord\r\n\r\nLe\u00a0 Kazakhstan  et l'UE\u200b signent un accord de coope\u0301ration.\r\n"
    article = clean_text_article(text)
    assert article.title == "Coopération : un nouvel accord"
    assert article.paragraphs == ("Le Kazakhstan et l'UE signent un accord de coopération.",)


def test_markdown_article() -> None:
    text = (
        "---\nauthor: Jane Doe\n---\n"
        "[Home](/) | [World](/world)\n\n"
        "# EU and **Kazakhstan** sign a raw materials pact\n\n"
        "![Signing ceremony](https://example.org/pact.jpg)\n\n"
        "The pact was signed in *Brussels* on Tuesday and covers\n"
        "rare earths, [lithium](https://example.org/li) and graphite.\n\n"
        "## What comes next\n\n"
        "- joint exploration projects;\n"
        "- refining in Kazakhstan.\n"
    )
    article = clean_text_article(text, markdown=True)
    assert article.title == "EU and Kazakhstan sign a raw materials pact"
    assert article.image == "https://example.org/pact.jpg"
    assert article.author == "Jane Doe"
    assert article.paragraphs == (
        "The pact was signed in Brussels on Tuesday and covers rare earths, lithium and graphite.",
        "What comes next",
        "joint exploration projects;",
        "refining in Kazakhstan.",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no headline found"),
        ("Suivez nous sur\nPUB\nLoading...\n", "no headline found"),
        (
            "This is a long paragraph without any headline. It goes on with a second sentence.\n",
            "no headline found",
        ),
        ("Kazakhstan and the EU sign a deal\n\nShare\nAdvertisement\n", "no article text"),
    ],
)
def test_unusable_text_raises_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=rf"^bad\.txt: {message}"):
        clean_text_article(text, name="bad.txt")


def test_drop_furniture_on_split_lines() -> None:
    lines = [
        "EU and Kazakhstan sign a pact",
        "By Jane Doe",
        "The pact was signed in Brussels on Tuesday by both sides.",
        "Read more: another story",
        "Фото: Reuters",
        "It covers rare earths and graphite.",
    ]
    assert drop_furniture(lines, title="EU and Kazakhstan sign a pact") == [
        "The pact was signed in Brussels on Tuesday by both sides.",
        "It covers rare earths and graphite.",
    ]


# --- summarize, CleanArticle.text --------------------------------------


def test_summarize_cuts_long_first_paragraph_at_a_word_boundary() -> None:
    paragraph = "Le Kazakhstan et l'Union européenne renforcent leur coopération dans les métaux rares."
    lead = summarize([paragraph, "Second."], max_chars=40)
    assert lead == "Le Kazakhstan et l'Union européenne…"
    assert len(lead) <= 40
    assert paragraph.startswith(lead[:-1])


def test_summarize_takes_whole_paragraphs_that_fit() -> None:
    assert summarize(["First one.", "Second one.", "A third paragraph that is too long."], max_chars=25) == (
        "First one. Second one."
    )
    assert summarize(["Short lead."]) == "Short lead."
    assert summarize([]) == ""


def test_paragraphs_to_html_escapes() -> None:
    from kzfeed.articles._sanitize import paragraphs_to_html

    assert paragraphs_to_html(["EU & KZ <talks>", "l'UE"]) == "<p>EU &amp; KZ &lt;talks&gt;</p>\n<p>l'UE</p>"


def test_clean_article_text_joins_paragraphs() -> None:
    article = RawItem(title="T", paragraphs=("One.", "Two."))
    assert article.text == "One.\n\nTwo."
