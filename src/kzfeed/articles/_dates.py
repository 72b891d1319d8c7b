"""Read publication dates (fr, en, de, ru, kk) into timezone-aware UTC datetimes.

Wraps dateparser, imported lazily because it is slow to import; Kazakh month names, which
are usually inflected ("қарашада", "қаңтардағы"), are read with our own table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from kzfeed.plaintext import nfc

__all__ = ["DEFAULT_LANGUAGES", "find_date_line", "parse_date"]

#: languages tried when the caller names none (Kazakh is always tried, by our own table)
DEFAULT_LANGUAGES: tuple[str, ...] = ("fr", "en", "de", "ru")

_KK_MONTHS = {
    "қаңтар": 1,
    "ақпан": 2,
    "наурыз": 3,
    "сәуір": 4,
    "мамыр": 5,
    "маусым": 6,
    "шілде": 7,
    "тамыз": 8,
    "қыркүйек": 9,
    "қазан": 10,
    "қараша": 11,
    "желтоқсан": 12,
}
# the stem plus any case ending: "қарашада", "қаңтардағы", "қыркүйектің"
_KK_MONTH_RE = re.compile(r"(?<!\w)(" + "|".join(_KK_MONTHS) + r")\w*", re.IGNORECASE)
_KK_DAY_BEFORE_RE = re.compile(r"(?<![\d:.])(\d{1,2})\s*[-.]?\s*$")
_KK_DAY_AFTER_RE = re.compile(r"^\s*(\d{1,2})(?![\d:])")
_YEAR_RE = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
_TIME_RE = re.compile(r"(?<!\d)([01]?\d|2[0-3]):([0-5]\d)(?!\d)")
_OFFSET_RE = re.compile(r"(?:UTC|GMT)\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)

_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_RFC2822_RE = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*\S*")

# Words that may stand next to a date in a dateline without making it a sentence.
_DATE_WORDS = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun
    janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre
    janv févr avr juil sept déc
    lundi mardi mercredi jeudi vendredi samedi dimanche
    januar februar märz april juni juli oktober dezember jänner
    montag dienstag mittwoch donnerstag freitag samstag sonntag
    января февраля марта апреля мая июня июля августа сентября октября ноября декабря
    январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь
    янв фев мар апр июн июл авг сен сент окт ноя дек
    понедельник вторник среда четверг пятница суббота воскресенье
    """.split()
)
# Words that belong to a date only after it has begun: "10:00 am", "2024 г.", "19:41 UTC".
_DATE_CONNECTORS = frozenset(
    """
    utc gmt cet cest eet eest msk almt ast am pm h uhr г года год ж жыл жылы жылғы сағат
    at à a um в о
    """.split()
)
# Labels of datelines and bylines ("Publié le", "Veröffentlicht am", "by", "Жарияланды").
_LABEL_WORDS = frozenset(
    """
    published updated posted on date last modified by
    publié publiée publie mis à jour le la du par modifié
    veröffentlicht aktualisiert am stand von zuletzt
    опубликовано обновлено дата публикации от автор
    жарияланды жаңартылды
    """.split()
)
# abbreviations that end a date with a full stop: "2025 ж.", "2024 г.", "5 nov."
_ABBREVIATIONS = frozenset(
    """
    ж г jan feb mar apr jun jul aug sep sept oct nov dec janv févr avr juil déc
    янв фев мар апр авг сен сент окт ноя дек
    """.split()
)
_BYLINE_WORDS = frozenset({"by", "par", "von", "от", "автор", "author", "auteur", "autor"})
# hyphenated names and elided articles are one word: "Jean-Pierre", "l'UE"
_TOKEN_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_PIECE_SEPARATORS = re.compile(r"\s*[|•·]\s*")
_MAX_DATELINE_CHARS = 90
_MAX_OTHER_WORDS = 2


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(text)).strip()


def _to_utc(value: datetime) -> datetime | None:
    if not 1900 <= value.year <= 2100:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _parse_fixed_formats(text: str) -> datetime | None:
    """ISO 8601 and RFC 2822, which need no language knowledge (and no dateparser)."""
    if _ISO_RE.fullmatch(text):
        try:
            return _to_utc(datetime.fromisoformat(text))
        except ValueError:
            return None
    if _RFC2822_RE.fullmatch(text):
        try:
            return _to_utc(parsedate_to_datetime(text))
        except (TypeError, ValueError, IndexError):
            return None
    return None


def _parse_kazakh(text: str) -> datetime | None:
    """'12 қараша 2025 ж.', '2025 жылғы 12 қарашада 14:30' -> datetime; None without day or year."""
    month_match = _KK_MONTH_RE.search(text)
    if month_match is None:
        return None
    month = _KK_MONTHS[month_match.group(1).lower()]
    before, after = text[: month_match.start()], text[month_match.end() :]
    day_match = _KK_DAY_BEFORE_RE.search(before) or _KK_DAY_AFTER_RE.search(after)
    year_match = _YEAR_RE.search(text)
    if day_match is None or year_match is None:
        return None
    hour = minute = 0
    time_match = _TIME_RE.search(after) or _TIME_RE.search(before)
    if time_match is not None:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
    zone = UTC
    offset_match = _OFFSET_RE.search(text)
    if offset_match is not None:
        sign = -1 if offset_match.group(1) in "-−" else 1
        delta = timedelta(hours=int(offset_match.group(2)), minutes=int(offset_match.group(3) or 0))
        zone = timezone(sign * delta)
    try:
        value = datetime(int(year_match.group(1)), month, int(day_match.group(1)), hour, minute, tzinfo=zone)
    except ValueError:
        return None
    return _to_utc(value)


def _dateparser_settings() -> dict[str, Any]:
    return {
        # a dateline without a day (e.g. "novembre 2023") is not a publication date
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        # no 'relative-time' parser: "today", "hier", "vor 2 Tagen" must never become the run time
        "PARSERS": ["custom-formats", "absolute-time"],
        # numeric dates on this beat are European (05/11/2024 is 5 November)
        "DATE_ORDER": "DMY",
    }


def parse_date(text: str, *, languages: Sequence[str] | None = None) -> datetime | None:
    """Parse one date string into a timezone-aware UTC datetime, or return ``None``.

    Reads ISO 8601, RFC 2822, Kazakh dates with (inflected) month names, and anything
    dateparser reads in ``languages`` (default: fr, en, de, ru), e.g. ``"7 Mai 2025 19:41
    (UTC+01:00)"`` or ``"2. novembre 2023"``. Day, month and year are required; a date with
    no zone is taken as UTC; relative words ("today", "hier") give ``None``, never the
    current time.
    """
    cleaned = _clean(text)
    if not cleaned or not any(ch.isdigit() for ch in cleaned):
        return None
    fixed = _parse_fixed_formats(cleaned)
    if fixed is not None:
        return fixed
    if _KK_MONTH_RE.search(cleaned):
        return _parse_kazakh(cleaned)
    wanted = [lang for lang in (languages or DEFAULT_LANGUAGES) if lang != "kk"] or list(DEFAULT_LANGUAGES)
    import dateparser  # lazy: importing dateparser takes a noticeable part of a second

    try:
        value = dateparser.parse(cleaned, languages=wanted, settings=_dateparser_settings())
    except (ValueError, OverflowError, TypeError):
        return None
    return _to_utc(value) if value is not None else None


def _date_span(piece: str) -> str | None:
    """The part of a dateline-shaped piece that holds the date, or ``None``.

    A piece is dateline-shaped when, besides date words and labels ("Publié le", "by"), it
    has at most a few other words; names after a byline label ("by Jane Doe") are allowed.
    """
    if len(piece) > _MAX_DATELINE_CHARS or not any(ch.isdigit() for ch in piece):
        return None
    others = 0
    name_words_left = 0
    first = last = None
    last_token = ""
    for match in _TOKEN_RE.finditer(piece):
        token = match.group().casefold()
        if any(ch.isdigit() for ch in token) or token in _DATE_WORDS or _KK_MONTH_RE.fullmatch(token):
            first = match.start() if first is None else first
            last, last_token = match.end(), token
            name_words_left = 0
        elif token in _DATE_CONNECTORS:
            if first is not None:
                last, last_token = match.end(), token
        elif token in _BYLINE_WORDS:
            name_words_left = 4
        elif token in _LABEL_WORDS:
            continue
        elif name_words_left and match.group()[0].isupper():
            name_words_left -= 1
        else:
            others += 1
    if first is None or last is None or others > _MAX_OTHER_WORDS:
        return None
    # "Signé le 28 mai 2025." is a sentence; "Astana, 12 қараша 2025 ж." is a dateline
    final_abbreviation = last_token in _ABBREVIATIONS and piece[last:].strip() == "."
    if piece.rstrip().endswith((".", "!", "?")) and others >= 1 and not final_abbreviation:
        return None
    return piece[first:last].replace("(", " ").replace(")", " ")


def find_date_line(line: str, *, languages: Sequence[str] | None = None) -> datetime | None:
    """Return the date when ``line`` is essentially a dateline or byline, else ``None``.

    The line, and each piece of it split at ``|`` (or ``•``, ``·``), is accepted only when it
    holds a date and at most a few other words, so dates quoted inside body sentences are
    not taken for the publication date.
    """
    cleaned = _clean(line)
    pieces = [cleaned, *_PIECE_SEPARATORS.split(cleaned)] if _PIECE_SEPARATORS.search(cleaned) else [cleaned]
    for piece in pieces:
        span = _date_span(piece.strip(" ,;:-–—"))
        if span is not None:
            found = parse_date(span, languages=languages)
            if found is not None:
                return found
    return None
