"""The stored reports one run has read, kept for all its sources: each source's index of reports
(``kzfeed.stories._events.EventIndex.viewing``) views those published within its windows instead
of indexing them again, feature by feature (that grew with sources × the reports of a window).

Rarity is still counted over the reports of the source's windows, as an index of those alone
counts it: how many are published within the windows, and how many of those have a feature, are
found by bisection in the dates kept here, per feature.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from datetime import datetime

from kzfeed.stories._signals import Signals

__all__ = ["StoredReports", "Window"]

Window = tuple[datetime, datetime]


class StoredReports:
    """Stored reports (each with a publication date) by item id: the content hash and date of
    the stored key they were read for, and their signals."""

    def __init__(self) -> None:
        self._entry: dict[str, tuple[str, datetime, Signals]] = {}
        #: the dates of every report kept, and per feature of those that have it, sorted
        self._dates: list[datetime] = []
        self._feature_dates: dict[str, list[datetime]] = {}
        #: feature -> the reports that have it
        self._holders: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._entry)

    def add(self, item_id: str, content_hash: str, published: datetime, signals: Signals) -> None:
        """Keep a report read for a stored key (in place of another version of the item)."""
        entry = self._entry.get(item_id)
        if entry is not None:
            if entry[:2] == (content_hash, published):
                return
            self.drop(item_id)
        self._entry[item_id] = (content_hash, published, signals)
        insort(self._dates, published)
        for feature in signals.features:
            insort(self._feature_dates.setdefault(feature, []), published)
            self._holders.setdefault(feature, set()).add(item_id)

    def drop(self, item_id: str) -> None:
        """Forget the report of ``item_id`` (its stored key changed), if kept."""
        entry = self._entry.pop(item_id, None)
        if entry is None:
            return
        _, published, signals = entry
        _remove(self._dates, published)
        for feature in signals.features:
            _remove(self._feature_dates[feature], published)
            self._holders[feature].discard(item_id)

    def changed(self, item_id: str, content_hash: str, published: datetime | None) -> None:
        """The stored key of ``item_id`` is now this: its report is forgotten unless it is the same."""
        entry = self._entry.get(item_id)
        if entry is not None and entry[:2] != (content_hash, published):
            self.drop(item_id)

    def count(self, windows: Sequence[Window], feature: str | None = None) -> int:
        """How many reports kept are published within ``windows`` (apart, ends included); with
        ``feature``, how many of those have it."""
        dates = self._dates if feature is None else self._feature_dates.get(feature)
        if not dates:
            return 0
        return sum(bisect_right(dates, until) - bisect_left(dates, since) for since, until in windows)

    def holders(self, feature: str) -> set[str]:
        """The reports kept that have ``feature``."""
        return self._holders.get(feature, set())


def _remove(dates: list[datetime], when: datetime) -> None:
    del dates[bisect_left(dates, when)]
