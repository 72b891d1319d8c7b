"""The fetcher's validators stored with a source: new URLs inserted, stored ones updated, in
the source's transaction, on both backends."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from kzfeed.models import CacheEntry, SourceState
from kzfeed.storage import open_store
from kzfeed.storage._runrows import TableHttpCache


def test_a_source_stores_new_validators_and_updates_the_stored_ones(database_url: str) -> None:
    store = open_store(database_url)
    cache = store.http_cache()
    cache.save("https://site.example/a", CacheEntry(etag='"a1"', last_status=200))
    cache.save("https://site.example/b", CacheEntry(etag='"b1"', last_status=200))
    wait = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    validators = {
        f"https://site.example/new{n}": CacheEntry(etag=f'"n{n}"', last_status=200) for n in range(600)
    }
    validators["https://site.example/a"] = CacheEntry(
        etag='"a2"', last_modified="Mon, 01 Dec 2025", last_status=200
    )
    validators["https://site.example/b"] = CacheEntry(retry_after=wait, last_status=429)
    store.save_source(
        state=SourceState(name="site"), config_hash="h", batch=[], ok=True, validators=validators
    )
    fresh = store.http_cache()  # reads the table again
    assert fresh.load("https://site.example/a") == CacheEntry(
        etag='"a2"', last_modified="Mon, 01 Dec 2025", last_status=200
    )
    assert fresh.load("https://site.example/b") == CacheEntry(retry_after=wait, last_status=429)
    assert [fresh.load(f"https://site.example/new{n}") for n in (0, 599)] == [
        CacheEntry(etag='"n0"', last_status=200),
        CacheEntry(etag='"n599"', last_status=200),
    ]
    store.close()


def test_many_urls_are_read_in_one_go_with_none_for_those_never_saved(database_url: str) -> None:
    store = open_store(database_url)
    store.http_cache().save("https://site.example/a", CacheEntry(etag='"a1"', last_status=200))
    wait = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.http_cache().save("https://site.example/b", CacheEntry(retry_after=wait, last_status=429))
    urls = ["https://site.example/b", "https://site.example/new", "https://site.example/a"]
    assert store.http_cache().load_many(urls + [f"https://site.example/n{n}" for n in range(600)]) == {
        "https://site.example/a": CacheEntry(etag='"a1"', last_status=200),
        "https://site.example/b": CacheEntry(retry_after=wait, last_status=429),
        "https://site.example/new": None,
        **{f"https://site.example/n{n}": None for n in range(600)},
    }
    store.close()


class _Whole(dict[str, Any]):
    """The entries a run has seen; going over all of them fails the test."""

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("every entry the run has seen was gone over for one source")

    def keys(self) -> Any:
        raise AssertionError("every entry the run has seen was gone over for one source")


def test_a_sources_changed_validators_are_found_without_going_over_the_whole_run() -> None:
    class Cache(TableHttpCache):
        def _read(self, urls: list[str]) -> dict[str, CacheEntry]:
            return {url: CacheEntry(etag='"1"', last_status=200) for url in urls if url.endswith("/old")}

        def _write(self, entries: Mapping[str, CacheEntry]) -> None:
            pass

    cache = Cache()
    cache.load_many([f"https://site{n}.example/old" for n in range(1000)] + ["https://new.example/feed"])
    cache._seen = _Whole(cache._seen)  # a run of 1,000 sources, each asking after its own
    same, newer = CacheEntry(etag='"1"', last_status=304), CacheEntry(etag='"2"', last_status=200)
    fresh = CacheEntry(etag='"f"', last_status=200)
    got = cache.changed(
        {
            "https://site1.example/old": same,
            "https://site2.example/old": newer,
            "https://new.example/feed": fresh,
        }
    )
    assert got == {"https://site2.example/old": newer, "https://new.example/feed": fresh}
