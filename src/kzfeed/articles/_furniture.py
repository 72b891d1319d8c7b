"""Recognising site furniture in article text: share and follow lines, ads, credits, newsletter
blurbs, disclaimers, navigation, bylines and datelines (fr, en, de, ru, kk patterns).

Private to ``kzfeed.articles._text``.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
_PLATFORM = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|telegram|viber|vk|vkontakte|odnoklassniki|instagram"
    r"|youtube|tiktok|reddit|pinterest|flipboard|threads|bluesky|mastodon|xing|e-?mail|mail|rss"
    r"|print|imprimer|drucken|печать|copy link|copier le lien|link kopieren|копировать ссылку"
    r"|send by e-?mail|envoyer par e-?mail|per e-?mail senden|отправить по e-?mail|отправить по почте)"
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
# disclaimers, in lower case: looked for as plain substrings (a regular expression of so many
# alternatives, searched through every paragraph, cost more than the rest of the filter)
_DISCLAIMERS = (
    "publie des articles provenant", "publishes articles from", "veröffentlicht artikel aus",
    "публикует статьи из", "ne sont pas nécessairement celles", "are not necessarily those of",
    "do not necessarily reflect", "do not necessarily represent", "ne reflètent pas nécessairement",
    *(f"n'engagent que {whose} auteur{s}" for whose in ("leur", "leurs", "son", "ses") for s in ("", "s")),
    "les opinions exprimées dans", "les opinions exprimées ici",
    *(f"the {what} expressed {where}" for what in ("views", "opinions") for where in ("in", "here")),
    "geben nicht unbedingt", "geben nicht notwendigerweise",
    "может не совпадать", "не обязательно отражает", "редакцияның көзқарасы",
)  # fmt: skip


def _has_disclaimer(text: str) -> bool:
    folded = text.lower()
    return any(phrase in folded for phrase in _DISCLAIMERS)


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
PUBLISH_PREFIX_RE = re.compile(
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
BREADCRUMB_RE = re.compile(r"[^.!?›»>]{1,40}(?:\s*[›»>]\s*[^.!?›»>]{1,40})+")

# full stops of Latin, Cyrillic, CJK (。！？ and the half-width ｡) and Devanagari (।) text, then
# closing quotes and brackets (」』）are Japanese and Chinese ones)
SENTENCE_END_RE = re.compile(r"[.!?…。！？｡।][\"'»”’)\]」』）]*$")
_INNER_SENTENCE_RE = re.compile(r"[.!?]\s+[\"«“]?[^\W\d_]")
WORD_RE = re.compile(r"[^\W\d_]+")
INVISIBLE_RE = re.compile(r"[\u00ad\u200b\u2060\ufeff\x00-\x08\x0b\x0e-\x1f\x7f]")
_HEADLINE_MAX_CHARS = 250
_HEADLINE_MAX_WORDS = 40
TITLE_SCAN_LINES = 12


# letters of scripts written without spaces between words (kana, CJK ideographs, Thai, Lao,
# Myanmar, Khmer): there, ~2 letters make a word
_UNSPACED_RE = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
    r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]"
)


def words(text: str) -> int:
    """How many words ``text`` has: whitespace-separated chunks, plus about one word per two
    letters of a script written without spaces (a Japanese sentence is one chunk)."""
    count = len(text.split())
    if not text.isascii():
        count += len(_UNSPACED_RE.findall(text)) // 2
    return count


def is_prose(text: str) -> bool:
    return words(text) >= 8 or (words(text) >= 4 and bool(SENTENCE_END_RE.search(text)))


def is_nav(text: str, max_words: int = 3) -> bool:
    """A short line that is not a sentence: a section, category or site name."""
    return words(text) <= max_words and not SENTENCE_END_RE.search(text)


_NOT_ALNUM_RE = re.compile(r"[\W_]+")  # what str.isalnum() is not


def fold(text: str) -> str:
    """Compare lines ignoring case, punctuation and spacing."""
    return _NOT_ALNUM_RE.sub("", text.casefold())


def _is_credit(text: str) -> bool:
    unwrapped = text.strip("()[] ")
    if unwrapped.startswith("©"):
        return words(unwrapped) <= 12
    match = _CREDIT_RE.fullmatch(unwrapped)
    if match is None or words(unwrapped) > 10:
        return False
    rest = match.group("rest")
    if match.group("sep").strip() or re.search(r"\w\.(?:com|org|net|[a-z]{2})\b|https?://", rest):
        return True
    # "Photo AFP", "Illustration Freepik"; not "Images satellites", a subheading
    return words(unwrapped) <= 4 and rest[:1].isupper()


def is_furniture(text: str) -> bool:
    """True for a line that belongs to the web page around the article, not to the article."""
    key = text.replace("’", "'")
    if any(
        pattern.fullmatch(key)
        for pattern in (_SHARE_RE, _PLATFORMS_ONLY_RE, _AD_RE, _UI_RE, _MORE_RE, _PUBLISH_LABEL_RE)
    ):
        return True
    count = words(key)  # once: the patterns below only apply to lines of a few words
    if count > 80:  # a paragraph of the article (searching it would cost the most)
        return False
    if count <= 30 and (_READ_ALSO_RE.fullmatch(key) or _TAGS_RE.fullmatch(key)):
        return True
    if _is_credit(key) or (count <= 8 and _SOURCE_RE.fullmatch(key)):
        return True
    if count <= 15 and (
        _COPYRIGHT_RE.match(key)
        or _NEWSLETTER_START_RE.match(key)
        or (_NEWSLETTER_RE.search(key) and not SENTENCE_END_RE.search(key))
    ):
        return True
    return _has_disclaimer(key)


def named_outlet(text: str) -> str | None:
    """The outlet a disclaimer or copyright line names ("EU Reporter publie des articles…")."""
    if _has_disclaimer(text):
        for pattern in _DISCLAIMER_OUTLET_RES:
            match = pattern.search(text)
            if match and match.group("outlet")[0].isupper():
                return match.group("outlet").strip()
    rights = _RIGHTS_RE.match(text)
    return rights.group("holder").strip() if rights else None


def place_outlet(text: str) -> str | None:
    """The outlet of a 'Paris / La Gazette' or 'ASTANA (Kazinform)' dateline line."""
    if words(text) > 6:
        return None
    for pattern in _PLACE_OUTLET_RES:
        match = pattern.fullmatch(text)
        if match and match.group("place")[0].isupper() and match.group("outlet")[0].isupper():
            return match.group("outlet").strip()
    return None


def byline_author(text: str) -> str | None:
    for piece in re.split(r"\s*[|•·,]\s*", text):
        match = _BYLINE_RE.fullmatch(piece)
        if match is None:
            continue
        name = match.group("name").strip()
        if 1 <= words(name) <= 4 and all(word[0].isupper() for word in name.split()):
            return name
    return None


_EMAIL = re.compile(r"[^@\s()<>]+@[^@\s()<>]+")
_EMAIL_NAME = re.compile(r"<?[^@\s()<>]+@[^@\s()<>]+>?\s*\((?P<name>[^()]+)\)")
_NAME_EMAIL = re.compile(r"(?P<name>[^()<>@]+?)\s*[(<][^@\s()<>]+@[^@\s()<>]+[)>]")


def author_name(raw: str | None) -> str | None:
    """The person's name in an author field: ``email (Name)`` (RSS), ``Name (email)``,
    ``Name <email>`` or a plain name give ``Name``; a bare address is no name (``None``)."""
    if not raw:
        return None
    raw = " ".join(raw.split())
    for pattern in (_EMAIL_NAME, _NAME_EMAIL):
        found = pattern.fullmatch(raw)
        if found:
            return found.group("name").strip() or None
    return None if _EMAIL.fullmatch(raw) else raw or None


def is_headline(text: str) -> bool:
    if not 3 <= words(text) <= _HEADLINE_MAX_WORDS or len(text) > _HEADLINE_MAX_CHARS:
        return False
    if text.endswith(":"):
        return False
    # two sentences or more make a paragraph, not a headline
    return not (_INNER_SENTENCE_RE.search(text) and SENTENCE_END_RE.search(text))
