"""Tests for kzfeed.lang: offline language detection (the pipeline's and the classifier's)."""

from __future__ import annotations

import pytest

from kzfeed.classify._text import tokenize
from kzfeed.lang import PLAUSIBLE_LANGUAGES, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le Kazakhstan et l'Union européenne renforcent leur coopération dans les métaux rares.", "fr"),
        ("LE KAZAKHSTAN ET LA FRANCE SE DISENT PRÊTS À DÉVELOPPER LEUR COOPÉRATION", "fr"),
        ("The European Union and Kazakhstan agreed to expand rail freight links across the Caspian.", "en"),
        ("Die Europäische Union und Kasachstan wollen bei seltenen Erden enger zusammenarbeiten.", "de"),
        ("Казахстан и Европейский союз обсудили сотрудничество в сфере энергетики и сырья.", "ru"),
        ("Қазақстан мен Еуропалық Одақ сирек металдар саласындағы ынтымақтастықты нығайтады.", "kk"),
        ("Қазақстан Республикасының Сыртқы істер министрлігі мәлімдеме жасады.", "kk"),
        ("Il Kazakistan e l'Unione europea rafforzano la cooperazione energetica.", "it"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_russian_with_a_kazakh_name_stays_russian() -> None:
    text = "Министр встретился с акимом области Нұрлан Қожабековым, чтобы обсудить поставки угля в Европу."
    assert detect_language(text) == "ru"


@pytest.mark.parametrize("text", ["", "Astana", "EU–KZ", "12 345 678", "   \n  "])
def test_detect_language_too_short(text: str) -> None:
    assert detect_language(text) is None


def test_result_is_always_a_plausible_language() -> None:
    samples = ["Kazakhstan ja Euroopan unioni allekirjoittivat sopimuksen", "Kazachstan i Unia Europejska"]
    for text in samples:
        assert detect_language(text) in PLAUSIBLE_LANGUAGES


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Kazakhstan and the European Union signed a memorandum on raw materials and hydrogen.", "en"),
        ("Le Kazakhstan et l'Union européenne ont signé un mémorandum sur les matières premières.", "fr"),
        (
            "Kasachstan und die Europäische Union haben eine Absichtserklärung über Rohstoffe unterzeichnet.",
            "de",
        ),
        ("Казахстан и Европейский союз подписали меморандум о сотрудничестве в сфере сырья.", "ru"),
        (
            "Қазақстан мен Еуропалық одақ шикізат саласындағы ынтымақтастық туралы меморандумға қол қойды.",
            "kk",
        ),
        (
            "La Commissione europea e il Kazakistan hanno firmato un accordo sulle materie prime critiche.",
            "it",
        ),
        ("Польща і Казахстан підписали угоду про співпрацю в енергетиці та логістиці.", "uk"),
    ],
)
def test_detect_language_of_article_openings(text: str, lang: str) -> None:
    assert detect_language(text) == lang
    assert detect_language(text, words=tokenize(text)) == lang  # the words a caller already has


def test_kazakh_is_told_from_russian_by_its_letters() -> None:
    russian = "Президент Касым-Жомарт Токаев провел переговоры в Астане с делегацией Евросоюза."
    kazakh = "Президент Қасым-Жомарт Тоқаев Астанада Еуроодақ делегациясымен келіссөз жүргізді."
    assert detect_language(russian) == "ru"
    assert detect_language(kazakh) == "kk"


def test_no_letters_no_language_and_the_title_when_the_text_is_too_short() -> None:
    assert detect_language("") is None
    assert detect_language("12 345 — 67 %", title="2024") is None
    assert detect_language("", title="Le Kazakhstan et la France renforcent leur coopération") == "fr"
    assert (
        detect_language("Photo: Akorda", title="Le Kazakhstan et la France renforcent leur coopération")
        == "fr"
    )


def test_the_model_kzfeed_loads_ranks_as_py3langids_own_restricted_to_plausible_languages() -> None:
    """kzfeed reads only the plausible languages' part of py3langid's model (less memory):
    every text is ranked exactly as py3langid's loader and ``set_languages`` rank it."""
    import json
    from pathlib import Path

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from kzfeed.lang import _identifier

    theirs = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    theirs.set_languages(list(PLAUSIBLE_LANGUAGES))
    ours = _identifier()
    assert sorted(ours.nb_classes) == sorted(PLAUSIBLE_LANGUAGES)
    data = Path(__file__).parent / "data" / "classifier" / "dev.jsonl"
    texts = [json.loads(line)["text"][:200] for line in data.read_text(encoding="utf-8").splitlines()[:150]]
    texts += ["", "12345", "Ақорда Астана", "Großbritannien und Kasachstan", "東京都"]
    for text in texts:
        assert ours.rank(text) == theirs.rank(text), text
