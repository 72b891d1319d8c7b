"""The article, the one type it travels in from a source to storage (``RawItem``), what a
classifier reads of it (``ArticleText``), and the stored article (``Item``) and its story."""

from __future__ import annotations

import uuid
import warnings
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from kzfeed.models._classification import Classification
from kzfeed.plaintext import clean_text, nfc, normal_paragraphs

__all__ = ["ArticleText", "Document", "Item", "RawItem", "Story", "StoryKey", "item_id_for"]

_T = TypeVar("_T")

# Item ids are UUIDv5 in this namespace: the same source key gives the same id in any
# database, on any machine, forever.
_ITEM_NAMESPACE = uuid.UUID("6f1c2a4e-9d53-5b8e-a7c1-4b2f0e8d9a10")


def item_id_for(key: str) -> str:
    """Return the stable item id for a source key (the canonical URL, or ``type:source:guid``)."""
    return str(uuid.uuid5(_ITEM_NAMESPACE, key))


class ArticleText(Protocol):
    """What a classifier reads of an article: its title, its text (paragraphs separated by a
    blank line, in NFC) and its language (``None``: not known). A ``RawItem`` is one, and so is
    the ``Item`` that holds it once stored (with the language kzfeed settled on)."""

    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def lang(self) -> str | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RawItem:
    """One article, the one type it travels in from a reader or a source to the classifier and
    into storage (an ``Item`` holds it as it was stored).

    A source yields it with a ``guid`` that is stable across runs (the same article gives the
    same guid), a ``title`` and its body: ``text`` (plain text, paragraphs separated by a blank
    line) or ``paragraphs``. The readers of ``kzfeed.articles`` (``read_article``,
    ``extract_article``, ``clean_text_article``) return one without a guid; the source gives it
    one with :meth:`with_guid`. ``html`` is optional markup of the same content (sanitised
    before it is stored). Dates must be timezone-aware or ``None``; never the time of the run.

    When it is made, the title and the paragraphs are put in the form kzfeed keeps (Unicode
    NFC, characters a feed cannot carry removed, spaces folded: ``kzfeed.plaintext``), once:
    ``paragraphs`` is what every later stage reads, and ``text`` is them separated by blank lines.
    """

    guid: str = ""
    title: str
    text: str = ""
    url: str | None = None
    html: str | None = None
    summary: str | None = None
    author: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    lang: str | None = None
    categories: tuple[str, ...] = ()
    image: str | None = None
    #: free-form notes a source wants logged with the item (e.g. "no date found")
    notes: tuple[str, ...] = ()
    #: the body's paragraphs: given by a reader, else split from ``text`` when the item is made
    paragraphs: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        given = self.paragraphs
        if given and self.text and "\n\n".join(given) != self.text:
            given = ()  # dataclasses.replace(item, text=...): the text given wins
        paragraphs = normal_paragraphs(text=self.text, paragraphs=given)
        object.__setattr__(self, "paragraphs", paragraphs)
        object.__setattr__(self, "title", nfc(clean_text(self.title)))
        object.__setattr__(self, "text", "\n\n".join(paragraphs))

    @classmethod
    def kept(cls, **values: Any) -> RawItem:
        """An article whose ``title`` and ``text`` are in the form kzfeed keeps already (as the
        pipeline stored it), made without normalising them again: its paragraphs are the
        text's blocks. ``values`` are the dataclass's fields; ``title`` is needed."""
        unknown = values.keys() - _RAW_DEFAULTS.keys() - {"title"}
        if unknown or "title" not in values:
            raise TypeError(f"RawItem.kept() needs a title and the fields of RawItem, got {sorted(values)}")
        article = object.__new__(cls)
        for name in _RAW_FIELDS:
            object.__setattr__(article, name, values[name] if name in values else _RAW_DEFAULTS[name])
        if not article.paragraphs:
            object.__setattr__(article, "paragraphs", tuple(p for p in article.text.split("\n\n") if p))
        return article

    def changed(self, **changes: Any) -> RawItem:
        """The article with ``changes``; its text is normalised again only when it changes."""
        if {"title", "text", "paragraphs"} & changes.keys():
            return replace(self, **changes)
        return RawItem.kept(**{name: changes.get(name, getattr(self, name)) for name in _RAW_FIELDS})

    @property
    def id(self) -> str | None:
        """The guid (``None`` without one): what a classifier's ``document.id`` was."""
        return self.guid or None

    @property
    def body(self) -> str:
        """The paragraphs as plain text, separated by a blank line: ``text``."""
        return self.text

    def with_guid(self, guid: str, *, url: str | None = None, outlet: str | None = None) -> RawItem:
        """The article as a source yields it: with its ``guid`` and ``url``; ``outlet`` (when
        given) wins over the one the text names."""
        return self.changed(guid=guid, url=url or self.url, outlet=outlet or self.outlet)

    def raw_item(self, *, guid: str, url: str | None = None, outlet: str | None = None) -> RawItem:
        """Deprecated since ``CleanArticle`` and ``RawItem`` are one type: use :meth:`with_guid`."""
        warnings.warn(
            "article.raw_item(guid=...) is deprecated: readers return a RawItem already; "
            "use article.with_guid(guid, url=..., outlet=...)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.with_guid(guid, url=url, outlet=outlet)

    def document(self, *, id: str | None = None) -> RawItem:
        """The article as a classifier reads it: itself (with ``id`` as its guid, when given)."""
        return self.changed(guid=id) if id is not None else self


_RAW_FIELDS = tuple(f.name for f in fields(RawItem))
_RAW_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(RawItem) if f.default is not MISSING}

#: the name classifiers knew their input by, kept for plugins: the article itself
Document = RawItem


class _OfArticle(property, Generic[_T]):
    """An attribute of an ``Item`` that is its article's (the one place it is kept): a
    property read by ``operator.attrgetter``, as fast as a plain one."""

    def __init__(self, name: str) -> None:
        super().__init__(attrgetter(f"article.{name}"))

    if TYPE_CHECKING:

        @overload
        def __get__(self, item: None, owner: type, /) -> _OfArticle[_T]: ...
        @overload
        def __get__(self, item: Item, owner: type | None = None, /) -> _T: ...
        def __get__(self, item: Item | None, owner: type | None = None, /) -> _T | _OfArticle[_T]: ...


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class Item:
    """One stored article: the ``article`` (a ``RawItem``, as it was stored: title and text cut
    to size, HTML sanitised, summary made, language settled) with what kzfeed decided about it:
    its ``id``, the ``source`` that brought it, its content hash and canonical URL, its story
    and its classification. The article's fields read through (``item.title`` is
    ``item.article.title``; ``content_text`` its text, ``content_html`` its HTML), and are given
    the same way: ``dataclasses.replace(item, title=...)`` changes the article's title."""

    id: str
    source: str
    article: RawItem
    content_hash: str
    canonical_url: str | None = None
    first_seen: datetime | None = None
    simhash: int | None = None
    story_id: str | None = None
    classification: Classification | None = None

    guid = _OfArticle[str]("guid")
    title = _OfArticle[str]("title")
    text = _OfArticle[str]("text")
    content_text = _OfArticle[str]("text")
    url = _OfArticle["str | None"]("url")
    summary = _OfArticle["str | None"]("summary")
    author = _OfArticle["str | None"]("author")
    outlet = _OfArticle["str | None"]("outlet")
    published = _OfArticle["datetime | None"]("published")
    updated = _OfArticle["datetime | None"]("updated")
    lang = _OfArticle["str | None"]("lang")
    categories = _OfArticle["tuple[str, ...]"]("categories")
    image = _OfArticle["str | None"]("image")

    def __init__(
        self,
        *,
        id: str,
        source: str,
        content_hash: str,
        article: RawItem | None = None,
        canonical_url: str | None = None,
        first_seen: datetime | None = None,
        simhash: int | None = None,
        story_id: str | None = None,
        classification: Classification | None = None,
        **article_fields: Any,
    ) -> None:
        """``article_fields`` (``title``, ``published``, ``content_text``, …) are the article's:
        they change ``article``, or make it when none is given (an article stored already)."""
        for name, field_name in (("content_text", "text"), ("content_html", "html")):
            if name in article_fields:
                article_fields[field_name] = article_fields.pop(name)
        if article is None:
            article = RawItem.kept(**article_fields)
        elif article_fields:
            article = article.changed(**article_fields)
        for name, value in (
            ("id", id),
            ("source", source),
            ("article", article),
            ("content_hash", content_hash),
            ("canonical_url", canonical_url),
            ("first_seen", first_seen),
            ("simhash", simhash),
            ("story_id", story_id),
            ("classification", classification),
        ):
            object.__setattr__(self, name, value)

    @property
    def content_html(self) -> str:
        return self.article.html or ""

    def with_article(self, **changes: Any) -> Item:
        """The item with ``changes`` to its article's fields (``lang=``, ``published=``, …)."""
        return replace(self, article=self.article.changed(**changes))

    def document(self, *, lang: str | None = None) -> Item:
        """The item as a classifier reads it: itself, in ``lang`` when its own is unknown."""
        return self.with_article(lang=lang) if lang and not self.lang else self

    @property
    def relevant(self) -> bool:
        return bool(self.classification and self.classification.relevant)

    @property
    def topics(self) -> tuple[str, ...]:
        if self.classification is None:
            return ()
        return tuple(t.topic for t in self.classification.topics)

    @property
    def date(self) -> datetime | None:
        """The date a reader sees: last update, else publication, else when first seen."""
        return self.updated or self.published or self.first_seen


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryKey:
    """What story clustering needs to know about a stored item (see ``kzfeed.stories._dedupe``)."""

    item_id: str
    story_id: str | None
    guid: str
    canonical_url: str | None
    content_hash: str
    simhash: int | None
    published: datetime | None = None
    #: when kzfeed first saw the item (as stored; None for an item not stored yet)
    first_seen: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Story:
    """One story as a subscriber sees it: the report shown (``lead``) and the other reports of
    the same story (syndicated copies, rewrites), shown as "also reported by"."""

    id: str
    lead: Item
    others: tuple[Item, ...] = ()

    @property
    def date(self) -> datetime | None:
        return self.lead.date

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics of every report of the story, the lead's first."""
        seen: dict[str, None] = {}
        for item in (self.lead, *self.others):
            seen.update(dict.fromkeys(item.topics))
        return tuple(seen)
