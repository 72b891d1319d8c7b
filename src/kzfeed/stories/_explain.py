"""Why reports were put in one story, in words a reader of ``kzfeed stories`` follows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kzfeed.models import Item, Story
from kzfeed.stories._dedupe import NEAR_DUPLICATE_BITS, STORY_WINDOW, distance
from kzfeed.stories._events import EVENT_WINDOW, PAIR_THRESHOLD, STORY_THRESHOLD, EventIndex
from kzfeed.stories._signals import Signals, signals

__all__ = ["explain_story", "why_grouped"]

_SHOWN = 6


def _feature(feature: str) -> str:
    kind, _, value = feature.partition(":")
    if kind == "amount":
        amount = float(value)
        for size, unit in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
            if amount >= size:
                return f"{amount / size:g} {unit}"
        return f"{amount:g}"
    if kind == "name":
        return f"{value.capitalize()}…"
    if kind == "kind":
        return f"a {value}"
    return value


def _copy_reason(item: Item, other: Item) -> str | None:
    if item.content_hash == other.content_hash:
        return "the same text"
    if item.canonical_url and item.canonical_url == other.canonical_url:
        return "the same URL"
    if item.guid == other.guid and ":" in item.guid:
        return "the same guid"
    if item.simhash is not None and other.simhash is not None:
        bits = distance(item.simhash, other.simhash)
        if bits <= NEAR_DUPLICATE_BITS:
            return f"a near copy (SimHash {bits} of 64 bits differ)"
    return None


def _signal_reason(index: EventIndex, mine: Signals, theirs: Signals) -> str:
    shared = sorted(mine.shared(theirs), key=lambda f: (-mine.features[f] * index.idf(f), f))
    shared = [f for f in shared if not f.startswith("topic:")] or shared
    shown = ", ".join(_feature(f) for f in shared[:_SHOWN])
    more = f" and {len(shared) - _SHOWN} more" if len(shared) > _SHOWN else ""
    return f"shares {shown}{more}; similarity {index.similarity(mine, theirs):.2f}"


def _indexed(items: Iterable[Item]) -> tuple[EventIndex, dict[str, Signals]]:
    """The signals of ``items`` and an index of them (for rarity), each item once."""
    index = EventIndex()
    found: dict[str, Signals] = {}
    for item in items:
        if item.id not in found:
            found[item.id] = signals(item)
            index.add(item.id, item.story_id or item.id, found[item.id])
    return index, found


def why_grouped(stories: Sequence[Story], context: Iterable[Item] = ()) -> dict[str, str]:
    """For each report of ``stories`` that is not a lead: why it is in its story, compared with
    the report of the story closest to it. Rarity is counted over the stories' reports and
    ``context`` (other stored items)."""
    index, found = _indexed((*context, *(i for s in stories for i in (s.lead, *s.others))))
    reasons: dict[str, str] = {}
    for story in stories:
        members = (story.lead, *story.others)
        for item in story.others:
            others = [o for o in members if o.id != item.id]
            copies = [(o, r) for o in others if (r := _copy_reason(item, o))]
            if copies:
                other, reason = copies[0]
                reasons[item.id] = f"{reason} as {other.id[:8]}"
                continue
            closest = max(others, key=lambda o: index.similarity(found[item.id], found[o.id]))
            reason = _signal_reason(index, found[item.id], found[closest.id])
            reasons[item.id] = f"{reason} with {closest.id[:8]}"
    return reasons


def _who(item: Item) -> str:
    return f"{item.outlet or item.author or item.source} ({item.lang or '?'})"


def explain_story(story: Story, context: Iterable[Item] = ()) -> list[str]:
    """Lines that say why the reports of ``story`` are one story (``kzfeed show ID --explain``):
    the rule, then each report with its outlet and language, what it shares with the closest
    report and their similarity, and the similarity of every pair of reports. Rarity is
    counted over the story's reports and ``context`` (the stored reports of those days)."""
    members = (story.lead, *story.others)
    context = tuple(context)
    if not story.others:
        return [f"story {story.id[:8]}: this report is alone in its story (nothing else matched it)"]
    lines = [
        f"story {story.id[:8]}: {len(members)} reports; the entry's id is urn:uuid:{story.id}",
        f"  rule: a copy (the same text, URL or guid, or a SimHash within {NEAR_DUPLICATE_BITS} of 64 bits, "
        f"published within {STORY_WINDOW.days} days), or a report of the same event: published within "
        f"{EVENT_WINDOW.days} days, similarity at least {PAIR_THRESHOLD:.2f} to one report and "
        f"{STORY_THRESHOLD:.2f} to the story on average, and no other kind of event named",
        "  reports:",
    ]
    starter = next((m for m in members if m.id == story.id), story.lead)
    rest = tuple(m for m in members if m is not starter)
    why = why_grouped([Story(id=story.id, lead=starter, others=rest)], context)
    for item in members:
        notes = ["leads the entry"] if item is story.lead else []
        notes += ["started the story"] if item is starter else [why.get(item.id, "")]
        lines.append(f"    {item.id[:8]}  {_who(item)}  {item.title}")
        lines.append(f"              {'; '.join(notes)}")
    index, found = _indexed((*context, *members))
    lines.append(
        "  similarity of each pair (1.00: the same signals; 0: a different kind of event or nothing shared):"
    )
    for n, item in enumerate(members):
        for other in members[n + 1 :]:
            score = index.similarity(found[item.id], found[other.id])
            lines.append(f"    {item.id[:8]} {_who(item)} ~ {other.id[:8]} {_who(other)}: {score:.2f}")
    return lines
