"""Tests for kzfeed.articles._dates: parsing dates and finding datelines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kzfeed.articles._dates import find_date_line, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 Mai 2025 19:41 (UTC+01:00)", datetime(2025, 5, 7, 18, 41, tzinfo=UTC)),
        ("2. novembre 2023", datetime(2023, 11, 2, tzinfo=UTC)),
        ("12 қараша 2025 ж.", datetime(2025, 11, 12, tzinfo=UTC)),
        ("Tue, 05 Nov 2024 10:00:00 +0100", datetime(2024, 11, 5, 9, 0, tzinfo=UTC)),
        ("2024-11-05T10:00:00Z", datetime(2024, 11, 5, 10, 0, tzinfo=UTC)),
        ("2024-11-05T10:00:00+0500", datetime(2024, 11, 5, 5, 0, tzinfo=UTC)),
        ("2024-11-05", datetime(2024, 11, 5, tzinfo=UTC)),
        ("5 ноября 2024 г., 14:30", datetime(2024, 11, 5, 14, 30, tzinfo=UTC)),
        ("3. März 2024", datetime(2024, 3, 3, tzinfo=UTC)),
        ("November 5, 2024 3:00 pm", datetime(2024, 11, 5, 15, 0, tzinfo=UTC)),
        ("05/11/2024", datetime(2024, 11, 5, tzinfo=UTC)),
        ("2025 жылғы 12 қарашада 14:30 (UTC+05:00)", datetime(2025, 11, 12, 9, 30, tzinfo=UTC)),
    ],
)
def test_parse_date_examples(text: str, expected: datetime) -> None:
    parsed = parse_date(text)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is UTC


KAZAKH_MONTHS = [
    "қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
    "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан",
]  # fmt: skip


@pytest.mark.parametrize("month", range(1, 13))
def test_parse_date_kazakh_months_and_inflections(month: int) -> None:
    name = KAZAKH_MONTHS[month - 1]
    expected = datetime(2024, month, 9, tzinfo=UTC)
    assert parse_date(f"9 {name} 2024 ж.") == expected
    assert parse_date(f"2024 жылғы 9 {name}да") == expected
    assert parse_date(f"9 {name}дағы 2024") == expected
    assert parse_date(f"9 {name.upper()} 2024") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "today",
        "hier",
        "aujourd'hui à 10:00",
        "vor 2 Tagen",
        "вчера",
        "novembre 2023",
        "қаңтарда 2024",
        "2023",
        "Publié le",
        "no date in this sentence at all",
        "31 février 2024",
    ],
)
def test_parse_date_none_without_full_date(text: str) -> None:
    assert parse_date(text) is None


def test_parse_date_respects_languages() -> None:
    assert parse_date("5 ноября 2024", languages=["ru"]) == datetime(2024, 11, 5, tzinfo=UTC)
    assert parse_date("5 ноября 2024", languages=["en"]) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("par | 2. novembre 2023 | Politique", datetime(2023, 11, 2, tzinfo=UTC)),
        ("7 Mai 2025 19:41 (UTC+01:00)", datetime(2025, 5, 7, 18, 41, tzinfo=UTC)),
        ("Published on 5 November 2024 by Jane Doe", datetime(2024, 11, 5, tzinfo=UTC)),
        ("By Jane Doe • 5 November 2024", datetime(2024, 11, 5, tzinfo=UTC)),
        ("Veröffentlicht am 3. März 2024, 10:15 Uhr", datetime(2024, 3, 3, 10, 15, tzinfo=UTC)),
        ("Опубликовано: 5 ноября 2024, 14:30", datetime(2024, 11, 5, 14, 30, tzinfo=UTC)),
        ("Astana, 12 қараша 2025 ж.", datetime(2025, 11, 12, tzinfo=UTC)),
    ],
)
def test_find_date_line_accepts_datelines(line: str, expected: datetime) -> None:
    assert find_date_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "Publié le",
        "on",
        "prévu le 28 mai 2025.",
        "Le Forum International d'Astana est prévu le 28 mai 2025.",
        "The ministers will meet again in Samarkand on 3 April 2025 to sign the agreement.",
        "Le chiffre d'affaires commercial en 2024 s'est élevé à 48,7 milliards de dollars.",
    ],
)
def test_find_date_line_rejects_sentences(line: str) -> None:
    assert find_date_line(line) is None
