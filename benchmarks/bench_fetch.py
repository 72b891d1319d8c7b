"""Benchmark of web sources: 200 summary-only feeds x 20 articles on a local server.

Each phase runs `Pipeline.ingest` in a fresh process (so peak memory is its own):

1. first run, as kzfeed runs it (threads for fetching, a process pool for extraction),
   next to the baseline: the same work done sequentially (1 thread, extraction in-process);
2. second run where every feed answers 304, next to the baseline: the same second run
   against a server that ignores conditional requests (every feed sent and parsed again).

Prints wall time, items/s, peak memory, and for the first run where the time went.
Usage: python benchmarks/bench_fetch.py [--feeds 200] [--articles 20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "Kazakhstan and the European Union agreed on new steps in their partnership on critical raw "
    "materials, lithium, rare earths, batteries and renewable hydrogen, while the Trans-Caspian "
    "route links Central Asia with Europe across the Caspian Sea"
).split()


def article_html(feed: int, n: int) -> bytes:
    paragraphs = []
    for p in range(6):
        words = [WORDS[(feed * 7 + n * 3 + p * 5 + i) % len(WORDS)] for i in range(45)]
        paragraphs.append(f"<p>Paragraph {p} of story {feed}-{n}: {' '.join(words)}.</p>")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {feed}-{n}</title>"
        f"<meta property='article:published_time' content='2025-06-{1 + n % 28:02d}T09:30:00+05:00'>"
        f"<meta property='og:site_name' content='Outlet {feed}'></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>EU and Kazakhstan story {feed}-{n} on raw materials</h1>{''.join(paragraphs)}</article>"
        "<footer>© Outlet</footer></body></html>"
    ).encode()


def feed_xml(feed: int, articles: int) -> bytes:
    items = "".join(
        f"<item><title>EU and Kazakhstan story {feed}-{n} on raw materials</title>"
        f"<link>/site{feed}/story-{feed}-{n}.html</link><guid>s-{feed}-{n}</guid>"
        f"<pubDate>Mon, {1 + n % 28:02d} Jun 2025 04:30:00 GMT</pubDate>"
        f"<description>Story {feed}-{n} in short.</description></item>"
        for n in range(articles)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Outlet {feed}</title>"
        f"<link>http://example.test/</link><description>d</description><language>en</language>{items}"
        "</channel></rss>"
    ).encode()


def serve(feeds: int, articles: int, *, conditional: bool):  # type: ignore[no-untyped-def]
    from kzfeed.testing.httpserver import LocalHTTPServer

    server = LocalHTTPServer()  # started by the `with` block
    server.route("/robots.txt", body=b"User-agent: *\nDisallow:\n", content_type="text/plain")
    for f in range(feeds):
        server.route(
            f"/feeds/{f}.xml",
            body=feed_xml(f, articles),
            headers={"ETag": f'"feed-{f}"'},
            conditional=conditional,
            content_type="application/rss+xml",
        )
        for n in range(articles):
            server.route(f"/site{f}/story-{f}-{n}.html", body=article_html(f, n), content_type="text/html")
    return server


def write_config(folder: Path, base_url: str, feeds: int, *, workers: int) -> Path:
    lines = [
        'database = "sqlite:///kzfeed.db"',
        "[fetch]",
        "exempt_loopback = true",
        f"workers = {workers}",
        f"per_host_concurrency = {workers}",
        'contact_url = "mailto:bench@example.org"',
    ]
    for f in range(feeds):
        lines += ["[[sources]]", f'name = "feed{f}"', 'type = "rss"', f'url = "{base_url}/feeds/{f}.xml"']
    path = folder / "kzfeed.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def phase(config: Path, *, processes: int) -> dict[str, float]:
    """Run one ingest in a child process and return its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(config), "--processes", str(processes)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def child(config_path: str, processes: int) -> None:
    """One ingest, instrumented: time inside HTTP requests and inside extraction, per thread."""
    import logging
    import threading

    from kzfeed.config import load_config
    from kzfeed.extract_pool import ArticleExtractor
    from kzfeed.fetch import Fetcher
    from kzfeed.pipeline import Pipeline
    from kzfeed.plugins import make_plugin_host
    from kzfeed.storage import open_store

    logging.disable(logging.WARNING)
    spent = {"http": 0.0, "extract": 0.0}
    lock = threading.Lock()

    def timed(kind: str, fn):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with lock:
                    spent[kind] += time.perf_counter() - start

        return wrapper

    Fetcher.get = timed("http", Fetcher.get)  # type: ignore[method-assign]
    ArticleExtractor.__call__ = timed("extract", ArticleExtractor.__call__)  # type: ignore[method-assign]
    config = load_config(config_path)
    store = open_store(config.database)
    pipeline = Pipeline(config=config, host=make_plugin_host(entry_points=False), store=store)
    pipeline.extract_processes = processes
    cpu0 = time.process_time()
    start = time.perf_counter()
    report = pipeline.ingest()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    store.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    items = report.total("new") + report.total("updated") + report.total("unchanged")
    print(
        json.dumps(
            {
                "wall": wall,
                "items": items,
                "failed": len(report.failed_sources),
                "not_modified": sum(1 for s in report.sources if s.status.value == "not_modified"),
                "extracted": pipeline.extracted,
                "cpu_main": cpu,
                "cpu_workers": children.ru_utime + children.ru_stime,
                "http_thread_s": spent["http"],
                "extract_thread_s": spent["extract"],
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_workers_mb": children.ru_maxrss / 1024,
            }
        )
    )


def show(label: str, r: dict[str, float]) -> str:
    rate = r["items"] / r["wall"] if r["wall"] else 0.0
    return (
        f"  {label:<44} {r['wall']:7.2f} s  {rate:8.0f} items/s  peak {r['rss_mb']:5.0f} MB"
        f" (+ workers {r['rss_workers_mb']:4.0f} MB)  items {r['items']:.0f}, failed sources {r['failed']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--child")
    parser.add_argument("--processes", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.processes or (os.cpu_count() or 1))
        return
    cores = os.cpu_count() or 1
    print(f"bench_fetch: {args.feeds} summary-only feeds x {args.articles} articles, {cores} cores")
    tmp = Path(tempfile.mkdtemp(prefix="kzfeed-bench-"))
    try:
        results = {}
        with serve(args.feeds, args.articles, conditional=True) as server:
            for name, workers, processes in (("kzfeed", 8, cores), ("baseline", 1, 1)):
                folder = tmp / name
                folder.mkdir()
                config = write_config(folder, server.base_url, args.feeds, workers=workers)
                results[f"first-{name}"] = phase(config, processes=processes)
            results["second-kzfeed"] = phase(tmp / "kzfeed" / "kzfeed.toml", processes=cores)
        with serve(args.feeds, args.articles, conditional=False) as server:
            # the same database, but the feeds' new port: rewrite the config's URLs only
            folder = tmp / "kzfeed"
            config = write_config(folder, server.base_url, args.feeds, workers=8)
            results["second-baseline"] = phase(config, processes=cores)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    first, base = results["first-kzfeed"], results["first-baseline"]
    print("first run (every feed and article page new):")
    print(show("kzfeed: 8 threads, extraction on processes", first))
    print(show("baseline: sequential, extraction in-process", base))
    print(f"  speed-up: {base['wall'] / first['wall']:.2f}x")
    busy = first["cpu_main"] + first["cpu_workers"]
    print(
        f"  where the time went: {first['extracted']:.0f} pages extracted using "
        f"{first['cpu_workers']:.1f} s CPU in extraction processes; main process {first['cpu_main']:.1f} s CPU "
        f"(feeds, classification, storage); CPU busy {busy / (first['wall'] * cores):.0%} of "
        f"{cores} cores x {first['wall']:.1f} s wall"
    )
    print(
        f"  threads waited {first['http_thread_s']:.1f} s in HTTP requests in total "
        f"({first['http_thread_s'] / first['wall']:.1f} requests in flight on average) and "
        f"{first['extract_thread_s']:.1f} s for extraction results"
    )
    second, sbase = results["second-kzfeed"], results["second-baseline"]
    print("second run (nothing changed):")
    print(show(f"kzfeed: conditional requests, {second['not_modified']:.0f} x 304", second))
    print(show("baseline: server ignores validators, feeds parsed", sbase))
    target = "met" if second["wall"] < 1.0 else "NOT met"
    print(f"  target: unchanged second run under 1 s for {args.feeds} sources: {target}")


if __name__ == "__main__":
    main()
