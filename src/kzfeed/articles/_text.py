"""Clean news articles copied from web pages as plain text (or Markdown) into a ``RawItem`` (no guid: the source gives it one).

Site furniture (share and follow buttons, ads, photo credits, newsletter blurbs, disclaimers,
navigation) is removed by general patterns in fr, en, de, ru and kk; the headline, dateline,
byline and outlet are read from the header zone only, never from body sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kzfeed.articles._dates import find_date_line, parse_date
from kzfeed.articles._furniture import (
    BREADCRUMB_RE,
    INVISIBLE_RE,
    PUBLISH_PREFIX_RE,
    SENTENCE_END_RE,
    TITLE_SCAN_LINES,
    WORD_RE,
    byline_author,
    fold,
    is_furniture,
    is_headline,
    is_nav,
    is_prose,
    named_outlet,
    place_outlet,
    words,
)
from kzfeed.errors import InputError
from kzfeed.lang import detect_language
from kzfeed.models import RawItem
from kzfeed.plaintext import nfc

__all__ = [
    "NO_DATE_NOTE",
    "clean_text_article",
    "drop_furniture",
    "sentence_case_headline",
    "summarize",
]

NO_DATE_NOTE = "no publication date found in the text"


# --- lines ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    text: str
    index: int  # line number in the source: only adjacent lines may be joined
    heading: int = 0  # Markdown heading level
    item: bool = False  # Markdown list item: never joined to the line before


@dataclass(slots=True)
class _Header:
    """What the header zone (and byline-like lines) told about the article."""

    published: datetime | None = None
    outlet: str | None = None
    author: str | None = None
    outlets_named: list[str] = field(default_factory=list)

    def read(self, text: str, *, allow_place: bool) -> bool:
        """Take what a dateline, byline or 'place / outlet' line says; True when it was one."""
        date = find_date_line(text)
        if date is not None:
            self.published = self.published or date
            self.author = self.author or byline_author(text)
            return True
        outlet = place_outlet(text) if allow_place else None
        if outlet is not None:
            self.outlet = self.outlet or outlet
            return True
        author = byline_author(text) if words(text) <= 6 else None
        if author is not None:
            self.author = self.author or author
            return True
        return bool(BREADCRUMB_RE.fullmatch(text) and words(text) <= 10)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _normalise(text: str) -> str:
    text = nfc(text.replace("\r\n", "\n").replace("\r", "\n"))
    return INVISIBLE_RE.sub("", text.replace("\x0c", "\n"))


def _plain_lines(text: str) -> list[_Line]:
    return [_Line(_squash(raw), index) for index, raw in enumerate(text.split("\n")) if _squash(raw)]


def _join_wrapped(lines: Sequence[_Line], *, markdown: bool) -> list[str]:
    """Join hard-wrapped lines: adjacent lines where the first does not end a sentence and
    the next starts in lower case (in Markdown, any adjacent lines of one paragraph)."""
    paragraphs: list[str] = []
    previous: _Line | None = None
    for line in lines:
        joins = (
            previous is not None
            and line.index == previous.index + 1
            and not (line.heading or previous.heading or line.item)
            and (markdown or (not SENTENCE_END_RE.search(previous.text) and line.text[0].islower()))
        )
        if joins:
            paragraphs[-1] = f"{paragraphs[-1]} {line.text}"
        else:
            paragraphs.append(line.text)
        previous = line
    return paragraphs


# --- headline ---------------------------------------------------------------------------------


def _find_title(lines: Sequence[_Line], label: str) -> int:
    headings = [i for i, line in enumerate(lines) if line.heading]
    if headings:
        first_h1 = next((i for i in headings if lines[i].heading == 1), None)
        if first_h1 is not None:
            return first_h1
        if not any(is_prose(line.text) for line in lines[: headings[0]]):
            return headings[0]
    short = ""
    for i, line in enumerate(lines[:TITLE_SCAN_LINES]):
        text = line.text
        if words(text) <= 2:
            short = short or text
            continue  # a site name or a section
        if _Header().read(text, allow_place=True):
            continue  # a dateline or a byline
        if is_headline(text):
            return i
        break
    if short:
        raise InputError(
            f"{label}: no headline found; {short!r} was read as a site or section name (two words or"
            " fewer) and what follows is not a headline: put a title of three words or more on its own"
            " line at the top"
        )
    raise InputError(
        f"{label}: no headline found; put the article's title on its own line at the top of the text"
    )


def _is_shouting(text: str) -> bool:
    cased = [ch for ch in text if ch.isupper() or ch.islower()]
    return len(cased) >= 10 and sum(ch.isupper() for ch in cased) >= 0.9 * len(cased)


def _learn_casing(paragraphs: Sequence[str]) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """How the body writes each word: inside sentences, and at the start of sentences."""
    inner: dict[str, Counter[str]] = {}
    initial: dict[str, Counter[str]] = {}
    for paragraph in paragraphs:
        end = 0
        for match in WORD_RE.finditer(paragraph):
            gap = paragraph[end : match.start()]
            starts_sentence = end == 0 or bool(re.search(r"[.!?…:]", gap))
            table = initial if starts_sentence else inner
            table.setdefault(match.group().lower(), Counter())[match.group()] += 1
            end = match.end()
    return inner, initial


def sentence_case_headline(title: str, paragraphs: Sequence[str]) -> str:
    """Sentence-case an ALL-CAPS headline, writing each word the way ``paragraphs`` write it
    (so names and acronyms such as "Kazakhstan" or "UE" keep their case); other headlines
    are returned unchanged."""
    if not _is_shouting(title):
        return title
    inner, initial = _learn_casing(paragraphs)

    def recase(match: re.Match[str]) -> str:
        word = match.group().lower()
        if word in inner:
            # the most frequent form; on a tie, the lower-case one
            return max(inner[word].items(), key=lambda form: (form[1], form[0] == word))[0]
        acronyms = [form for form in initial.get(word, ()) if len(form) > 1 and form.isupper()]
        return acronyms[0] if acronyms else word

    recased = WORD_RE.sub(recase, title)
    first = next((i for i, ch in enumerate(recased) if ch.isalpha()), None)
    if first is None:
        return recased
    return recased[:first] + recased[first].upper() + recased[first + 1 :]


def drop_furniture(lines: Sequence[str], *, title: str = "") -> list[str]:
    """Keep the article's paragraphs from already-split ``lines`` (e.g. an HTML extractor's
    output): drop page furniture, copies of ``title``, and datelines, bylines and section
    names before the first sentence of the body."""
    kept: list[str] = []
    title_key = fold(title) if title else None
    prose_seen = False
    for text in (_squash(line) for line in lines):
        if not text or is_furniture(text) or fold(text) == title_key:
            continue
        if not prose_seen and (_Header().read(text, allow_place=True) or is_nav(text)):
            continue
        kept.append(text)
        prose_seen = prose_seen or is_prose(text)
    return kept


# --- Markdown ---------------------------------------------------------------------------------

_MD_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_MD_HEADING_RE = re.compile(r"(#{1,6})\s+(.*?)(?:\s+#+)?\s*")
_MD_SETEXT_RE = re.compile(r"(=+|-+)\s*")
_MD_RULE_RE = re.compile(r"(?:[-*_]\s*){3,}")
_MD_FENCE_RE = re.compile(r"\s*(?:```|~~~)")
_MD_LINK_DEF_RE = re.compile(r"\s{0,3}\[[^\]]+\]:\s*\S+.*")
_MD_LIST_RE = re.compile(r"\s*(?:[-*+]|\d{1,3}[.)])\s+")
_MD_QUOTE_RE = re.compile(r"\s*(?:>\s?)+")
_MD_INLINE = (
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"`+([^`]+)`+"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])"), r"\1"),
)
_MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    match = _MD_FRONT_MATTER_RE.match(text)
    if match is None:
        return text, {}
    fields: dict[str, str] = {}
    for line in match.group("body").split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip().isidentifier():
            fields[key.strip().lower()] = value.strip().strip("'\"")
    return text[match.end() :], fields


def _markdown_lines(text: str) -> tuple[list[_Line], str | None]:
    lines: list[_Line] = []
    image: str | None = None
    in_fence = False
    for index, raw in enumerate(text.split("\n")):
        if _MD_FENCE_RE.match(raw):
            in_fence = not in_fence
            continue
        previous = lines[-1] if lines else None
        if not in_fence and previous and previous.index == index - 1 and _MD_SETEXT_RE.fullmatch(raw.strip()):
            previous.heading = 1 if raw.strip().startswith("=") else 2
            continue
        if not in_fence and (_MD_RULE_RE.fullmatch(raw.strip()) or _MD_LINK_DEF_RE.fullmatch(raw)):
            continue
        line = _Line("", index)
        if not in_fence:
            if heading := _MD_HEADING_RE.fullmatch(raw.strip()):
                line.heading, raw = len(heading.group(1)), heading.group(2)
            raw = _MD_QUOTE_RE.sub("", raw, count=1) if _MD_QUOTE_RE.match(raw) else raw
            if _MD_LIST_RE.match(raw):
                line.item, raw = True, _MD_LIST_RE.sub("", raw, count=1)
            for found in _MD_IMAGE_RE.finditer(raw):
                image = image or found.group(1)
            raw = _MD_IMAGE_RE.sub("", raw)
            for pattern, replacement in _MD_INLINE:
                raw = pattern.sub(replacement, raw)
        line.text = _squash(raw)
        if line.text:
            lines.append(line)
    return lines, image


# --- the article ------------------------------------------------------------------------------


def clean_text_article(text: str, *, name: str = "", markdown: bool = False) -> RawItem:
    """Clean a plain-text (or, with ``markdown=True``, Markdown) article.

    The headline is the first headline-like line (site names, sections, datelines and
    bylines above it are skipped; an ALL-CAPS headline is sentence-cased after the body);
    copies of it further down are dropped. The publication date, outlet and author are read
    from datelines and bylines in the header zone only. Each remaining line is a paragraph,
    except hard-wrapped lines, which are joined. Raise ``InputError`` when there is no
    headline or no body.
    """
    label = name or "text"
    text = _normalise(text)
    fields: dict[str, str] = {}
    image: str | None = None
    if markdown:
        text, fields = _front_matter(text)
        lines, image = _markdown_lines(text)
        image = fields.get("image") or image
    else:
        lines = _plain_lines(text)

    header = _Header()
    kept: list[_Line] = []
    for line in lines:
        if is_furniture(line.text):
            if outlet := named_outlet(line.text):
                header.outlets_named.append(outlet)
            continue
        kept.append(line)
    if markdown and fields.get("title"):
        title, after = _squash(fields["title"]), kept
    else:
        if not kept:
            raise InputError(f"{label}: no headline found; the text is empty or holds only page furniture")
        position = _find_title(kept, label)
        for line in kept[:position]:
            header.read(line.text, allow_place=True)
        title, after = kept[position].text, kept[position + 1 :]
    if "date" in fields:
        header.published = parse_date(fields["date"])

    body: list[_Line] = []
    prose_seen = lines_after_prose = 0
    for line in after:
        if fold(line.text) == fold(title):
            continue  # the headline repeated
        # the header zone: up to the first paragraph of prose, and the line right after it
        in_header = prose_seen == 0 or lines_after_prose == 0
        lines_after_prose += prose_seen > 0
        if in_header and header.read(line.text, allow_place=prose_seen == 0):
            continue
        if prose_seen == 0 and not line.heading and is_nav(line.text):
            continue  # a section or category name between the headline and the body
        if PUBLISH_PREFIX_RE.match(line.text) and header.read(line.text, allow_place=False):
            continue  # a "Published …" line further down
        prose_seen += is_prose(line.text)
        body.append(line)
    while body and is_nav(body[-1].text, max_words=5):
        body.pop()  # section links and teasers after the article
    paragraphs = _join_wrapped(body, markdown=markdown)
    if not paragraphs:
        raise InputError(f"{label}: no article text after the headline {title!r}; add the body text")
    title = sentence_case_headline(title, paragraphs)

    outlet = header.outlet or next(iter(header.outlets_named), None)
    notes = () if header.published else (NO_DATE_NOTE,)
    return RawItem(
        title=title,
        paragraphs=tuple(paragraphs),
        published=header.published,
        outlet=outlet,
        lang=detect_language(f"{title}\n{' '.join(paragraphs)}") or fields.get("lang"),
        author=fields.get("author") or header.author,
        image=image,
        notes=notes,
    )


def summarize(paragraphs: Sequence[str], max_chars: int = 300) -> str:
    """The lead: the first paragraph(s) that fit in ``max_chars``; a first paragraph that is
    too long is cut at a word boundary and ends with '…'."""
    if max_chars < 2:
        raise ValueError(f"max_chars must be at least 2, not {max_chars}")
    lead = ""
    for paragraph in (_squash(p) for p in paragraphs):
        if not paragraph:
            continue
        joined = f"{lead} {paragraph}" if lead else paragraph
        if len(joined) <= max_chars:
            lead = joined
            continue
        if not lead:
            head = paragraph[: max_chars - 1]
            if not paragraph[max_chars - 1].isspace() and " " in head:
                head = head[: head.rindex(" ")]  # do not cut a word in two
            lead = head.rstrip(" ,;:–—-") + "…"
        break
    return lead
