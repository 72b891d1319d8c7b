"""The contract every source type keeps, checked from its documented example.

:func:`check_source_contract` builds the source from its ``example_config``, fetches it twice
against its fixture files (no network) and checks what a feed reader would notice: every
item has a guid, a title and text; dates are timezone-aware; URLs are absolute; a second run
gives the same guids; no article comes twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kzfeed.errors import FetchError
from kzfeed.models import RawItem
from kzfeed.testing._sources import fixtures_dir_of, offline_fetcher, run_source, serve_fixtures

__all__ = ["check_source_contract", "item_problems"]


def check_source_contract(
    source_class: type[Any], type_name: str | None = None, *, fixtures_dir: Path | None = None
) -> list[RawItem]:
    """Assert that ``source_class`` keeps the source contract; return the items of its example.

    ``fixtures_dir`` is the folder of its ``example_fixtures`` (and of relative paths in its
    ``example_config``); by default the ``fixtures`` folder next to its module. Raises
    ``AssertionError`` listing every problem found, each with what to fix.
    """
    label = f"source type {type_name or getattr(source_class, 'type_name', source_class.__name__)!r}"
    folder = fixtures_dir if fixtures_dir is not None else fixtures_dir_of(source_class)
    problems = _declaration_problems(source_class, folder)
    if problems:
        raise AssertionError(_report(label, problems))
    first = _fetch_example(source_class, label, folder)
    problems = item_problems(first)
    if not first:
        problems.append(
            "its example yielded no items; make example_config and the fixture pages describe a page with articles"
        )
    second = _fetch_example(source_class, label, folder)
    problems += _rerun_problems(first, second)
    if problems:
        raise AssertionError(_report(label, problems))
    return first


def _declaration_problems(source_class: type[Any], folder: Path) -> list[str]:
    problems = []
    options = getattr(source_class, "options", None)
    example = getattr(source_class, "example_config", None)
    if not isinstance(options, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in options.items()
    ):
        problems.append("class attribute 'options' must document every option as {name: 'help text'}")
        options = {}
    if not isinstance(example, Mapping):
        problems.append(
            "class attribute 'example_config' must be a config table (a dict) the contract can run"
        )
    else:
        undocumented = sorted(set(example) - set(options))
        if undocumented:
            problems.append(
                f"example_config uses undocumented option(s) {undocumented}; add them to 'options'"
            )
    fixtures = getattr(source_class, "example_fixtures", {})
    if not isinstance(fixtures, Mapping) or not all(
        isinstance(k, str) and k.startswith("/") and isinstance(v, str) for k, v in fixtures.items()
    ):
        problems.append(
            "'example_fixtures' must map URL paths ('/news') to file names in the fixtures folder"
        )
    else:
        missing = sorted(v for v in fixtures.values() if not (folder / v).is_file())
        if missing:
            problems.append(f"fixture file(s) {missing} not found in {folder}")
    return problems


def _fetch_example(source_class: type[Any], label: str, folder: Path) -> list[RawItem]:
    try:
        source = source_class("contract-example", dict(source_class.example_config))
    except Exception as exc:
        raise AssertionError(
            f"{label}: cannot be built from its example_config: {type(exc).__name__}: {exc}"
        ) from exc
    with serve_fixtures(source_class, root=folder) as server, offline_fetcher(server) as http:
        try:
            return run_source(source, http=http, root=folder, refetch=True)
        except Exception as exc:
            routed = set(getattr(source_class, "example_fixtures", None) or {})
            asked = [urlsplit(r.path).path for r in server.requests]
            missing = [
                p
                for p in asked
                if p != "/robots.txt" and p not in routed and not (folder / p.lstrip("/")).is_file()
            ]
            hint = ""
            if isinstance(exc, FetchError) and missing:
                hint = (
                    f"; its example fetched {missing[0]}, which has no fixture: add it to example_fixtures "
                    f"and put the page in {folder}"
                )
            raise AssertionError(
                f"{label}: fetching its example failed: {type(exc).__name__}: {exc}{hint}"
            ) from exc


def item_problems(items: Sequence[Any]) -> list[str]:
    """What is wrong with the items one fetch of a source yielded (empty when nothing is)."""
    problems: list[str] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, RawItem):
            problems.append(f"item {n} is a {type(item).__name__}, not a kzfeed.RawItem")
            continue
        where = f"item {n} (guid {item.guid!r})"
        for name in ("guid", "title", "text"):
            value = getattr(item, name)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{where}: {name} is empty; every item needs a {name}")
        for name in ("published", "updated"):
            value = getattr(item, name)
            if value is not None and not _aware(value):
                problems.append(
                    f"{where}: {name} {value!r} has no timezone; use kzfeed.articles._dates.parse_date or UTC"
                )
        for name in ("url", "image"):
            value = getattr(item, name)
            if value is not None and not _absolute(value):
                problems.append(
                    f"{where}: {name} {value!r} is not an absolute http(s) URL; join it to the page URL"
                )
    good = [i for i in items if isinstance(i, RawItem)]
    for key, label in (("guid", "guid"), ("url", "URL")):
        counts = Counter(getattr(i, key) for i in good if getattr(i, key))
        for value, count in sorted(counts.items()):
            if count > 1:
                problems.append(f"{label} {value!r} is yielded {count} times; yield each article once")
    return problems


def _rerun_problems(first: Sequence[RawItem], second: Sequence[RawItem]) -> list[str]:
    before = {i.guid: i for i in first if isinstance(i, RawItem)}
    after = {i.guid: i for i in second if isinstance(i, RawItem)}
    problems = []
    if set(before) != set(after):
        changed = sorted(set(before) ^ set(after))[:3]
        problems.append(
            f"a second run gave other guids ({changed} ...); derive guids from the article (its URL or id), "
            "never from the time or the position on the page"
        )
    for guid in sorted(set(before) & set(after)):
        if (before[guid].url, before[guid].title) != (after[guid].url, after[guid].title):
            problems.append(f"guid {guid!r} has another URL or title on a second run")
    return problems


def _aware(value: datetime) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _absolute(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _report(label: str, problems: list[str]) -> str:
    return f"{label} breaks the source contract:\n" + "\n".join(f"  - {p}" for p in problems)
