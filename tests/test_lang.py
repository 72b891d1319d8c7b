"""Tests for kzfeed.lang: offline language detection."""

from __future__ import annotations

import pytest

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
