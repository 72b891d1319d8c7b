"""Clean news articles copied from web pages as plain text (or Markdown) into a ``CleanArticle``.

Site furniture (share and follow buttons, ads, photo credits, newsletter blurbs, disclaimers,
navigation) is removed by general patterns in fr, en, de, ru and kk; the headline, dateline,
byline and outlet are read from the header zone only, never from body sentences.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from kzfeed.dates import find_date_line, parse_date
from kzfeed.errors import InputError
from kzfeed.lang import detect_language

__all__ = [
    "NO_DATE_NOTE",
    "CleanArticle",
    "clean_text_article",
    "decode_bytes",
    "drop_furniture",
    "sentence_case_headline",
    "summarize",
]

NO_DATE_NOTE = "no publication date found in the text"


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanArticle:
    """An article reduced to its headline, body paragraphs and what the text says about it.

    ``published`` is timezone-aware UTC, or ``None`` when the text gives no date; ``outlet``
    is the publication the text names; ``lang`` is detected, never assumed.
    """

    title: str
    paragraphs: tuple[str, ...]
    published: datetime | None = None
    outlet: str | None = None
    lang: str | None = None
    author: str | None = None
    image: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The body as plain text, paragraphs separated by a blank line."""
        return "\n\n".join(self.paragraphs)


# --- furniture patterns (matched on a whole line, case-insensitively) -----------------------

_I = re.IGNORECASE
_PLATFORM = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|telegram|viber|vk|vkontakte|odnoklassniki|instagram"
    r"|youtube|tiktok|reddit|pinterest|flipboard|threads|bluesky|mastodon|xing|e-?mail|mail|rss"
    r"|print|imprimer|drucken|печать|copy link|copier le lien|link kopieren|копировать ссылку)"
)
_SHARE_LEAD = (
    r"(?:suivez[- ]nous|retrouvez[- ]nous|rejoignez[- ]nous|partagez|partager|partage|follow us"
    r"|find us|join us|share|folgen sie uns|folge uns|teilen|поделиться|поделитесь|следите за нами"
    r"|подписывайтесь|мы в соцсетях|бөлісу|бөлісіңіз)"
)
_SHARE_FILL = (
    r"(?:cet|cette|ce|article|story|post|page|this|the|our|notre|nos|on|sur|auf|in|в|на|nous|us|uns"
    r"|les|réseaux|sociaux|social|media|networks|channel|chaîne|diesen|artikel|sie|статьей|статьёй"
    r"|новостью|соцсетях|канал|with|friends|avec|vos|amis)"
)
_SHARE_RE = re.compile(
    rf"{_SHARE_LEAD}(?:\s+{_SHARE_FILL}){{0,4}}\s*[:：]?(?:[\s,|/·•]*{_PLATFORM})*[\s,|/·•:.!]*", _I
)
_PLATFORMS_ONLY_RE = re.compile(rf"(?:{_PLATFORM}[\s,|/·•]*)+", _I)
_AD_RE = re.compile(
    r"(?:publicité|pub|annonces?|contenu sponsorisé|sponsorisé|advertisement|advertising|advert|ads?"
    r"|sponsored(?: content)?|promoted(?: content)?|partner content|werbung|anzeige|gesponsert"
    r"|реклама|на правах рекламы|партнерский материал|жарнама)[\s:.\-–—]*",
    _I,
)
_UI_RE = re.compile(
    r"(?:(?:loading|chargement(?: en cours)?|wird geladen|загрузка|жүктелуде)\s*(?:\.{2,}|…)?"
    r"|(?:tendances?|trending(?: now)?|à la une|les plus lus|les plus populaires|most read|most popular"
    r"|popular|top stories|related(?: articles| news| stories| posts)?|articles similaires"
    r"|sur le même sujet|dans la même rubrique|meistgelesen|ähnliche artikel"
    r"|das könnte sie auch interessieren|популярное|самое читаемое|похожие новости|похожие статьи"
    r"|comments?|commentaires?|kommentare|комментарии|leave a (?:comment|reply)"
    r"|laisse[rz] un commentaire|kommentar schreiben|оставить комментарий|newsletter|infolettre"
    r"|print|imprimer|drucken|печать)\s*(?:\(\d+\)|\d+)?\s*:?)",
    _I,
)
# a "see more" link, possibly after a short teaser: "L'info de A à Z Voir Plus"
_MORE_RE = re.compile(
    r"(?:.{0,60}\s)?(?:voir plus|see more|read more|view more|load more|show more|lire la suite"
    r"|lire plus|afficher plus|en savoir plus|weiterlesen|mehr lesen|mehr anzeigen|mehr erfahren"
    r"|читать далее|читать полностью|подробнее|показать (?:ещё|еще)|толығырақ)\s*(?:[»›>→…]|\.{3})?",
    _I,
)
_READ_ALSO_RE = re.compile(
    r"(?:à lire aussi|a lire aussi|lire aussi|à lire également|lire également|voir aussi"
    r"|voir également|read also|also read|read more|see also|related(?: article)?|recommended"
    r"|more on this(?: topic)?|lesen sie auch|lesen sie mehr|mehr zum thema|auch interessant"
    r"|siehe auch|читайте также|читайте (?:ещё|еще)|смотрите также|по теме|сондай-ақ оқыңыз"
    r"|сондай-ақ қараңыз)(?:\s*[:：»>\-–—|]\s*.*)?",
    _I,
)
_TAGS_RE = re.compile(r"(?:tags?|mots[- ]cl(?:é|e)s|schlagw(?:o|ö)rte|stichworte|теги|тэги|тегтер)\s*:.*", _I)
_CREDIT_RE = re.compile(
    r"(?:photo credit|crédits? photo|photos?|photograph|images?|illustrations?|crédits?|credits?"
    r"|pictures?|foto(?:s|grafie)?|bild(?:er|quelle)?|titelbild|фото(?:графия)?|иллюстрация"
    r"|изображение|фотосурет|сурет(?:ті)?|source photo)(?P<sep>\s*[:：©/|\-–—]|\s|$)(?P<rest>.*)",
    _I,
)
_SOURCE_RE = re.compile(r"(?:sources?|quelle|источник|дереккөз)\s*:\s*\S.*", _I)
_COPYRIGHT_RE = re.compile(r"(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}))", _I)
_RIGHTS_RE = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)\s*,?\s*(?P<holder>[^\W\d_][^.|©]{1,50}?)"
    r"[\s.,]+(?:all rights reserved|tous droits réservés|alle rechte vorbehalten|все права защищены"
    r"|барлық құқықтар қорғалған)",
    _I,
)
# calls to subscribe: the strong words anywhere in a short line, the weak ones only at its start
# ("Kazakhstan to sign up for the EU raw materials club" is a headline)
_NEWSLETTER_RE = re.compile(
    r"newsletter|infolettre|abonnez[- ]vous|inscrivez[- ]vous|je m'abonne|рассылк"
    r"|подпишитесь|abonnieren sie|jetzt abonnieren|жазылыңыз",
    _I,
)
_NEWSLETTER_START_RE = re.compile(
    r"(?:s'abonner|subscribe|sign up|pour rester informé|pour ne rien manquer|ne manquez rien"
    r"|restez informé|stay informed|stay up to date|stay updated|get the latest|never miss"
    r"|bleiben sie informiert|verpassen sie nichts|подписаться|будьте в курсе)\b",
    _I,
)
_DISCLAIMER_RE = re.compile(
    r"publie des articles provenant|publishes articles from|veröffentlicht artikel aus"
    r"|публикует статьи из|ne sont pas nécessairement celles|are not necessarily those of"
    r"|do not necessarily (?:reflect|represent)|ne reflètent pas nécessairement"
    r"|n'engagent que (?:leurs?|son|ses) auteurs?|les opinions exprimées (?:dans|ici)"
    r"|the (?:views|opinions) expressed (?:in|here)|geben nicht (?:unbedingt|notwendigerweise)"
    r"|может не совпадать|не обязательно отражает|редакцияның көзқарасы",
    _I,
)
_OUTLET_NAME = r"(?P<outlet>[^\W\d_][\w&.'’ -]{1,40}?)"
_DISCLAIMER_OUTLET_RES = (
    re.compile(rf"^{_OUTLET_NAME}\s+(?:publie|publishes|veröffentlicht|публикует)\s"),
    re.compile(rf"(?:celles|ceux|celle|celui)\s+d(?:e\s+|['’]){_OUTLET_NAME}\s*\.?$"),
    re.compile(rf"those of\s+{_OUTLET_NAME}\s*\.?$"),
)
_PUBLISH_LABEL_RE = re.compile(
    r"(?:publiée?(?: le)?|mis à jour(?: le)?|published(?: on)?|updated(?: on)?|posted(?: on)?"
    r"|last updated|veröffentlicht(?: am)?|aktualisiert(?: am)?|zuletzt aktualisiert|опубликовано"
    r"|обновлено|дата публикации|жарияланды|жаңартылды|on|le|am)\s*:?",
    _I,
)
_PUBLISH_PREFIX_RE = re.compile(
    r"(?:publiée?|published|posted|veröffentlicht|опубликовано|дата публикации|жарияланды)\b",
    _I,
)
_BYLINE_RE = re.compile(
    r"(?:written by|écrit par|by|par|von|от|автор|author|auteur|autor|texte?|текст)\s*:?\s+"
    r"(?P<name>[^\W\d_][\w.'’ -]{1,60}?)",
    _I,
)
_PLACE_OUTLET_RES = (
    re.compile(r"(?P<place>[^\W\d_][\w.'’ -]{0,30}?)\s*/\s*(?P<outlet>[^\W\d_][\w.'’&! -]{0,40}?)"),
    re.compile(r"(?P<place>[^\W\d_][\w.'’ -]{0,30}?)\s*\((?P<outlet>[^\W\d_][^()]{1,40})\)"),
)
_BREADCRUMB_RE = re.compile(r"[^.!?›»>]{1,40}(?:\s*[›»>]\s*[^.!?›»>]{1,40})+")

_SENTENCE_END_RE = re.compile(r"[.!?…][\"'»”’)\]]*$")
_INNER_SENTENCE_RE = re.compile(r"[.!?]\s+[\"«“]?[^\W\d_]")
_WORD_RE = re.compile(r"[^\W\d_]+")
_INVISIBLE_RE = re.compile(r"[\u00ad\u200b\u2060\ufeff\x00-\x08\x0b\x0e-\x1f\x7f]")
_HEADLINE_MAX_CHARS = 250
_HEADLINE_MAX_WORDS = 40
_TITLE_SCAN_LINES = 12


def _words(text: str) -> int:
    return len(text.split())


def _is_prose(text: str) -> bool:
    return _words(text) >= 8 or (_words(text) >= 4 and bool(_SENTENCE_END_RE.search(text)))


def _is_nav(text: str, max_words: int = 3) -> bool:
    """A short line that is not a sentence: a section, category or site name."""
    return _words(text) <= max_words and not _SENTENCE_END_RE.search(text)


def _fold(text: str) -> str:
    """Compare lines ignoring case, punctuation and spacing."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _is_credit(text: str) -> bool:
    unwrapped = text.strip("()[] ")
    if unwrapped.startswith("©"):
        return _words(unwrapped) <= 12
    match = _CREDIT_RE.fullmatch(unwrapped)
    if match is None or _words(unwrapped) > 10:
        return False
    rest = match.group("rest")
    if match.group("sep").strip() or re.search(r"\w\.(?:com|org|net|[a-z]{2})\b|https?://", rest):
        return True
    # "Photo AFP", "Illustration Freepik"; not "Images satellites", a subheading
    return _words(unwrapped) <= 4 and rest[:1].isupper()


def _is_furniture(text: str) -> bool:
    """True for a line that belongs to the web page around the article, not to the article."""
    key = text.replace("’", "'")
    if any(
        pattern.fullmatch(key)
        for pattern in (_SHARE_RE, _PLATFORMS_ONLY_RE, _AD_RE, _UI_RE, _MORE_RE, _PUBLISH_LABEL_RE)
    ):
        return True
    if _words(key) <= 30 and (_READ_ALSO_RE.fullmatch(key) or _TAGS_RE.fullmatch(key)):
        return True
    if _is_credit(key) or (_words(key) <= 8 and _SOURCE_RE.fullmatch(key)):
        return True
    if _COPYRIGHT_RE.match(key) and _words(key) <= 15:
        return True
    if _words(key) <= 15 and (
        _NEWSLETTER_START_RE.match(key) or (_NEWSLETTER_RE.search(key) and not _SENTENCE_END_RE.search(key))
    ):
        return True
    return bool(_DISCLAIMER_RE.search(key)) and _words(key) <= 80


def _named_outlet(text: str) -> str | None:
    """The outlet a disclaimer or copyright line names ("EU Reporter publie des articles…")."""
    if _DISCLAIMER_RE.search(text):
        for pattern in _DISCLAIMER_OUTLET_RES:
            match = pattern.search(text)
            if match and match.group("outlet")[0].isupper():
                return match.group("outlet").strip()
    rights = _RIGHTS_RE.match(text)
    return rights.group("holder").strip() if rights else None


def _place_outlet(text: str) -> str | None:
    """The outlet of a 'Paris / La Gazette' or 'ASTANA (Kazinform)' dateline line."""
    if _words(text) > 6:
        return None
    for pattern in _PLACE_OUTLET_RES:
        match = pattern.fullmatch(text)
        if match and match.group("place")[0].isupper() and match.group("outlet")[0].isupper():
            return match.group("outlet").strip()
    return None


def _byline_author(text: str) -> str | None:
    for piece in re.split(r"\s*[|•·,]\s*", text):
        match = _BYLINE_RE.fullmatch(piece)
        if match is None:
            continue
        name = match.group("name").strip()
        if 1 <= _words(name) <= 4 and all(word[0].isupper() for word in name.split()):
            return name
    return None


def _is_headline(text: str) -> bool:
    if not 3 <= _words(text) <= _HEADLINE_MAX_WORDS or len(text) > _HEADLINE_MAX_CHARS:
        return False
    if text.endswith(":"):
        return False
    # two sentences or more make a paragraph, not a headline
    return not (_INNER_SENTENCE_RE.search(text) and _SENTENCE_END_RE.search(text))


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
            self.author = self.author or _byline_author(text)
            return True
        outlet = _place_outlet(text) if allow_place else None
        if outlet is not None:
            self.outlet = self.outlet or outlet
            return True
        author = _byline_author(text) if _words(text) <= 6 else None
        if author is not None:
            self.author = self.author or author
            return True
        return bool(_BREADCRUMB_RE.fullmatch(text) and _words(text) <= 10)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _INVISIBLE_RE.sub("", text.replace("\x0c", "\n"))


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
            and (markdown or (not _SENTENCE_END_RE.search(previous.text) and line.text[0].islower()))
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
        if not any(_is_prose(line.text) for line in lines[: headings[0]]):
            return headings[0]
    for i, line in enumerate(lines[:_TITLE_SCAN_LINES]):
        text = line.text
        if _words(text) <= 2 or _Header().read(text, allow_place=True):
            continue  # a site name, a section, a dateline or a byline
        if _is_headline(text):
            return i
        break
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
        for match in _WORD_RE.finditer(paragraph):
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

    recased = _WORD_RE.sub(recase, title)
    first = next((i for i, ch in enumerate(recased) if ch.isalpha()), None)
    if first is None:
        return recased
    return recased[:first] + recased[first].upper() + recased[first + 1 :]


def drop_furniture(lines: Sequence[str], *, title: str = "") -> list[str]:
    """Keep the article's paragraphs from already-split ``lines`` (e.g. an HTML extractor's
    output): drop page furniture, copies of ``title``, and datelines, bylines and section
    names before the first sentence of the body."""
    kept: list[str] = []
    for text in (_squash(line) for line in lines):
        if not text or _is_furniture(text) or (title and _fold(text) == _fold(title)):
            continue
        if not any(_is_prose(p) for p in kept) and (_Header().read(text, allow_place=True) or _is_nav(text)):
            continue
        kept.append(text)
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


def clean_text_article(text: str, *, name: str = "", markdown: bool = False) -> CleanArticle:
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
        if _is_furniture(line.text):
            if outlet := _named_outlet(line.text):
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
        if _fold(line.text) == _fold(title):
            continue  # the headline repeated
        # the header zone: up to the first paragraph of prose, and the line right after it
        in_header = prose_seen == 0 or lines_after_prose == 0
        lines_after_prose += prose_seen > 0
        if in_header and header.read(line.text, allow_place=prose_seen == 0):
            continue
        if prose_seen == 0 and not line.heading and _is_nav(line.text):
            continue  # a section or category name between the headline and the body
        if _PUBLISH_PREFIX_RE.match(line.text) and header.read(line.text, allow_place=False):
            continue  # a "Published …" line further down
        prose_seen += _is_prose(line.text)
        body.append(line)
    while body and _is_nav(body[-1].text, max_words=5):
        body.pop()  # section links and teasers after the article
    paragraphs = _join_wrapped(body, markdown=markdown)
    if not paragraphs:
        raise InputError(f"{label}: no article text after the headline {title!r}; add the body text")
    title = sentence_case_headline(title, paragraphs)

    outlet = header.outlet or next(iter(header.outlets_named), None)
    notes = () if header.published else (NO_DATE_NOTE,)
    return CleanArticle(
        title=title,
        paragraphs=tuple(paragraphs),
        published=header.published,
        outlet=outlet,
        lang=detect_language(f"{title}\n{' '.join(paragraphs)}") or fields.get("lang"),
        author=fields.get("author") or header.author,
        image=image,
        notes=notes,
    )


# --- bytes in, text and HTML out ----------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# the legacy code pages of the beat's languages, most usual first (Western, Cyrillic, Kazakh,
# then Central European, Greek and Baltic)
_LEGACY_ENCODINGS = (
    "cp1252", "cp1251", "iso8859-15", "iso8859-1", "kz1048", "koi8-r", "cp1250", "iso8859-2",
    "cp1253", "cp1257",
)  # fmt: skip
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _encoding_rank(encoding: str) -> int:
    name = codecs.lookup(encoding).name
    return _LEGACY_ENCODINGS.index(name) if name in _LEGACY_ENCODINGS else len(_LEGACY_ENCODINGS)


def decode_bytes(data: bytes, *, name: str) -> tuple[str, str | None]:
    """Decode a text file; return ``(text, warning)``.

    UTF-8 (with or without BOM) gives no warning; other encodings (Latin-1, cp1252, cp1251,
    UTF-16/32 with BOM) are detected and decoded with a warning such as ``"<name>: not
    UTF-8, read as cp1252"``. Raise ``InputError`` for an empty file or binary data.
    """
    label = name or "input"
    empty = InputError(f"{label}: the file is empty; put the article text in it or remove it")
    binary = InputError(
        f"{label}: binary data, not text; give a plain-text article (UTF-8) or remove the file"
    )
    if not data.strip():
        raise empty
    encoding: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif bom := next((codec for mark, codec in _BOMS if data.startswith(mark)), None):
        encoding = bom
        try:
            text = data.decode(bom)
        except UnicodeDecodeError as exc:
            raise binary from exc
    elif b"\x00" in data:
        raise binary
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes  # lazy: only needed for non-UTF-8 files

            matches = list(from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS)))
            if not matches:
                raise binary from None
            # short texts often fit several code pages equally well: prefer the usual one
            best = min(matches, key=lambda m: (m.chaos, -m.coherence, _encoding_rank(m.encoding)))
            text = str(best)
            # name the usual code page among those that read these bytes the same way
            encoding = codecs.lookup(
                min([best.encoding, *best.could_be_from_charset], key=_encoding_rank)
            ).name
    if len(_CONTROL_RE.findall(text)) > max(2, len(text) // 100):
        raise binary
    if not text.replace("\ufeff", "").strip():
        raise empty
    return text, (f"{label}: not UTF-8, read as {encoding}" if encoding else None)


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
