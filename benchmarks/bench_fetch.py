"""Benchmark of web sources: summary-only feeds whose article pages are fetched and extracted,
on loopback sites, timed as a user runs kzfeed.

Default: ``python -m kzfeed run`` (the command line: run lock, fetching, extraction on worker
processes, classification, storage and rendering ``public/``), whole processes, for this tree
and a baseline commit (``--baseline``, a git worktree run with this virtualenv), each in its own
folder: the first run (every page new) and then ``--rounds`` unchanged runs (every feed answers
304), the two versions alternating. CPU and peak memory include the extraction workers (see
``processes.py``). Printed: medians and this ÷ baseline.

``--split`` instead runs ``Pipeline.ingest`` once, instrumented, in a child process, next to a
sequential ingest (1 thread, extraction in-process), and prints where the first run's time went.

Usage: python benchmarks/bench_fetch.py [--feeds 100] [--articles 10] [--rounds 3] [--baseline 019a83d] [--split]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline_tree import REPO, baseline_tree
from loopback_sites import LoopbackSites, site_address
from processes import Measured, measure

WORDS = (
    "Kazakhstan and the European Union agreed on new steps in their partnership on critical raw "
    "materials, lithium, rare earths, batteries and renewable hydrogen, while the Trans-Caspian "
    "route links Central Asia with Europe across the Caspian Sea"
).split()


def _words(seed: int, count: int) -> str:
    return " ".join(WORDS[(seed + i * 7) % len(WORDS)] for i in range(count))


def article_html(feed: int, n: int) -> bytes:
    """A news article page as outlets serve them (~36 KB): scripts and styles, a menu of
    sections, a sidebar of most-read stories, related links and a long footer around a story
    of ten paragraphs. Extraction has to find the story in all that, as on real sites."""
    seed = feed * 31 + n
    story = "".join(f"<p>{_words(seed + p, 70)}.</p>" for p in range(10))
    menu = "".join(f"<li><a href='/section/{k}'>Section {k} {_words(k, 2)}</a></li>" for k in range(80))
    most_read = "".join(
        f"<li><a href='/site{feed}/story-{feed}-{(n + k) % 97}.html'><img src='/img/{k}.jpg' alt=''>"
        f"<span>{_words(seed + k, 12)}</span></a><time>2 hours ago</time></li>"
        for k in range(20)
    )
    related = "".join(
        f"<div class='card'><a href='/site{feed}/story-{feed}-{k}.html'>{_words(k, 10)}</a>"
        f"<p class='teaser'>{_words(seed * 3 + k, 25)}</p></div>"
        for k in range(12)
    )
    footer = "".join(f"<a href='/about/{k}'>{_words(k * 5, 3)}</a> " for k in range(60))
    script = "window.dataLayer=window.dataLayer||[];" + "".join(
        f"function f{k}(a,b){{return a*{k}+b;}}" for k in range(150)
    )
    style = "".join(f".c{k}{{margin:{k}px;padding:{k % 7}px;color:#{k:03x}}}" for k in range(250))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {feed}-{n} | Outlet {feed}</title>"
        f"<meta property='article:published_time' content='2025-06-{1 + n % 28:02d}T09:30:00+05:00'>"
        f"<meta property='og:site_name' content='Outlet {feed}'><style>{style}</style><script>{script}</script>"
        f"</head><body><header><div class='logo'>Outlet {feed}</div><nav><ul>{menu}</ul></nav>"
        "<form class='search'><input name='q'></form></header>"
        "<div class='cookie-banner'>We use cookies to improve your experience. <a href='/privacy'>More</a></div>"
        f"<main><article><h1>EU and Kazakhstan story {feed}-{n} on raw materials</h1>"
        f"<div class='byline'>By Reporter {n % 9} · June {1 + n % 28}, 2025</div>{story}"
        "<div class='share'><a href='#'>Facebook</a> <a href='#'>X</a> <a href='#'>Telegram</a></div></article>"
        f"<section class='related'><h2>Related</h2>{related}</section></main>"
        f"<aside><h2>Most read</h2><ol>{most_read}</ol></aside>"
        f"<footer>{footer}<p>© Outlet {feed}. All rights reserved.</p></footer></body></html>"
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


def serve(feeds: int, articles: int) -> LoopbackSites:
    """Site ``f`` on its own loopback address: robots.txt, its feed (with an ETag), its articles."""
    sites = []
    for f in range(feeds):
        pages: dict[str, tuple[bytes, str, str | None]] = {
            "/robots.txt": (b"User-agent: *\nDisallow:\n", "text/plain", None),
            f"/feeds/{f}.xml": (feed_xml(f, articles), "application/rss+xml", f'"feed-{f}"'),
        }
        for n in range(articles):
            pages[f"/site{f}/story-{f}-{n}.html"] = (article_html(f, n), "text/html; charset=utf-8", None)
        sites.append(pages)
    return LoopbackSites(sites)


def write_config(
    folder: Path, sites: LoopbackSites, feeds: int, *, workers: int, guarded: bool = True
) -> Path:
    # per_host_concurrency and min_delay keep their defaults (2, 1 s): with one site per
    # address they apply per site, as on the internet; loopback is exempted from min_delay, and
    # allow_private lets kzfeed fetch these sites' loopback addresses (refused by default)
    lines = [
        'database = "sqlite:///kzfeed.db"',
        "[fetch]",
        "exempt_loopback = true",
        f"workers = {workers}",
        'contact_url = "mailto:bench@example.org"',
    ]
    if guarded:  # a baseline from before the address guard has no such key
        lines.insert(3, "allow_private = [" + ", ".join(f'"{entry}"' for entry in sites.allow_private) + "]")
    for f in range(feeds):
        url = f"{sites.base_url(f)}/feeds/{f}.xml"
        lines += ["[[sources]]", f'name = "feed{f}"', 'type = "rss"', f'url = "{url}"']
    path = folder / "kzfeed.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def phase(config: Path, *, processes: int) -> dict[str, float]:
    """Run one ingest in a child process and return its figures, with the CPU time the
    sites' server (a thread of this process, which otherwise only waits) took meanwhile."""
    cpu0 = time.process_time()
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(config), "--processes", str(processes)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    figures["cpu_server"] = time.process_time() - cpu0
    return figures


def child(config_path: str, processes: int) -> None:
    """One ingest, instrumented: time inside HTTP requests and inside extraction, per thread."""
    import logging
    import threading

    from kzfeed.articles import ArticleExtractor
    from kzfeed.config import load_config
    from kzfeed.http import Fetcher
    from kzfeed.pipeline import Pipeline
    from kzfeed.pipeline._commit import Committer
    from kzfeed.plugins import make_plugin_host
    from kzfeed.storage import open_store

    logging.disable(logging.WARNING)
    spent = {"http": 0.0, "extract": 0.0, "commit": 0.0}
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
    Committer.commit = timed("commit", Committer.commit)  # type: ignore[method-assign]
    workers_peak: list[float] = []
    close = ArticleExtractor.close

    def close_and_measure(self: ArticleExtractor) -> None:
        # the pool's processes are children of the forkserver, not of this process: read
        # their peak memory before they stop
        pool = self._pool
        workers_peak.extend(peak_mb(str(pid)) for pid in (getattr(pool, "_processes", None) or {}))
        close(self)

    ArticleExtractor.close = close_and_measure  # type: ignore[method-assign]
    config = load_config(config_path)
    store = open_store(config.database)
    pipeline = Pipeline(config=config, host=make_plugin_host(entry_points=False), store=store)
    pipeline.extract_processes = processes
    machine0, cpu0 = machine_cpu(), time.process_time()
    start = time.perf_counter()
    report = pipeline.ingest()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    machine = [after - before for after, before in zip(machine_cpu(), machine0, strict=True)]
    store.close()
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
                "cpu_extract": pipeline.extract_cpu_s,
                "machine_busy": machine[0],
                "machine_idle": machine[1],
                "main_thread_commit_s": spent["commit"],
                "http_thread_s": spent["http"],
                "extract_thread_s": spent["extract"],
                "rss_mb": peak_mb("self"),
                "rss_workers_mb": max(workers_peak, default=0.0),
            }
        )
    )


def peak_mb(pid: str) -> float:
    """Peak resident memory of a process (``VmHWM``; unlike ``ru_maxrss`` it does not carry
    the peak of the process that started this one across exec)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


def machine_cpu() -> tuple[float, float]:
    """CPU seconds of the whole machine so far, busy and idle (Linux ``/proc/stat``): this
    machine may be shared, so the time other programs took is shown apart."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return (0.0, 0.0)
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle + iowait
    return ((sum(fields[:8]) - idle) / tick, idle / tick)


def show(label: str, r: dict[str, float]) -> str:
    rate = r["items"] / r["wall"] if r["wall"] else 0.0
    return (
        f"  {label:<44} {r['wall']:7.2f} s  {rate:8.0f} items/s  peak {r['rss_mb']:5.0f} MB"
        f" (+ each worker {r['rss_workers_mb']:4.0f} MB)  items {r['items']:.0f}, failed sources {r['failed']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="unchanged runs of each version")
    parser.add_argument("--baseline", default="019a83d")
    parser.add_argument("--split", action="store_true", help="instrumented Pipeline.ingest instead")
    parser.add_argument("--child")
    parser.add_argument("--processes", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.processes or (os.cpu_count() or 1))
    elif args.split:
        split_main(args)
    else:
        as_a_user(args)


def knows_allow_private(src: Path) -> bool:
    return any("allow_private" in f.read_text(encoding="utf-8") for f in src.rglob("config/*.py"))


def as_a_user(args: argparse.Namespace) -> None:
    """``kzfeed run`` of this tree and of the baseline: first run, then unchanged runs."""
    cores = os.cpu_count() or 1
    print(f"bench_fetch: {args.feeds} summary-only feeds x {args.articles} article pages, {cores} cores; "
          "python -m kzfeed run, whole processes (CPU and memory include the extraction workers)")  # fmt: skip
    print("  fetch defaults but exempt_loopback = true (no 1 s min_delay between requests to a loopback "
          "site) and allow_private listing the sites' loopback addresses")  # fmt: skip
    got: dict[str, list[Measured]] = {}
    with tempfile.TemporaryDirectory(prefix="kzfeed-bench-fetch-") as tmp_name:
        tmp = Path(tmp_name)
        with (
            baseline_tree(args.baseline, tmp / "baseline-tree") as base,
            serve(args.feeds, args.articles) as sites,
        ):
            versions = {"this": REPO / "src", args.baseline: base / "src"}
            for name, src in versions.items():
                folder = tmp / f"run-{name}"
                folder.mkdir()
                write_config(folder, sites, args.feeds, workers=8, guarded=knows_allow_private(src))
            for i, phase in enumerate(["first"] + ["unchanged"] * args.rounds):
                order = list(versions) if i % 2 == 0 else list(reversed(versions))
                for name in order:
                    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
                    env["PYTHONPATH"] = str(versions[name])
                    run = measure([sys.executable, "-m", "kzfeed", "run"], cwd=tmp / f"run-{name}", env=env)
                    got.setdefault(f"{phase} {name}", []).append(run)
    this, base_name = "this", args.baseline
    for phase, label in (
        ("first", "first run (every page new)"),
        ("unchanged", "unchanged run (every feed 304)"),
    ):
        print(f"{label}, median of {len(got[f'{phase} this'])}:")
        med = {}
        for name in (this, base_name):
            runs = got[f"{phase} {name}"]
            med[name] = [
                statistics.median(getattr(r, k) for r in runs)
                for k in ("wall", "cpu", "peak_mib", "helpers_peak_mib")
            ]
            wall, cpu, peak, helpers = med[name]
            rate = args.feeds * args.articles / wall if phase == "first" else 0
            print(f"  {name:<10} {wall:7.2f} s  CPU {cpu:6.2f} s  peak {peak:4.0f} MiB + extraction processes {helpers:4.0f} MiB"
                  + (f"  {rate:5.0f} pages/s" if rate else ""))  # fmt: skip
        print(f"  this ÷ {base_name}: {med[this][0] / med[base_name][0]:.2f}× time, {med[this][1] / med[base_name][1]:.2f}× CPU, "
              f"{med[this][2] / med[base_name][2]:.2f}× memory")  # fmt: skip


def split_main(args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    print(f"bench_fetch: {args.feeds} summary-only feeds x {args.articles} articles, {cores} cores")
    print(
        f"  each feed's site on its own loopback address (127.0.0.2 ... {site_address(args.feeds - 1)}); "
        "fetch defaults: per-host limit 2 requests at once, min_delay 1 s per host, "
        "but exempt_loopback = true so these local sites get no delay"
    )
    tmp = Path(tempfile.mkdtemp(prefix="kzfeed-bench-"))
    try:
        results = {}
        with serve(args.feeds, args.articles) as sites:
            for name, workers, processes in (("kzfeed", 8, cores), ("baseline", 1, 1)):
                folder = tmp / name
                folder.mkdir()
                config = write_config(folder, sites, args.feeds, workers=workers)
                results[f"first-{name}"] = phase(config, processes=processes)
            results["second-kzfeed"] = phase(tmp / "kzfeed" / "kzfeed.toml", processes=cores)
            sites.conditional = False  # the same database and sites, validators ignored
            results["second-baseline"] = phase(tmp / "kzfeed" / "kzfeed.toml", processes=cores)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    first, base = results["first-kzfeed"], results["first-baseline"]
    print("first run (every feed and article page new):")
    print(show("kzfeed: 8 threads, extraction on processes", first))
    print(show("baseline: sequential, extraction in-process", base))
    print(f"  speed-up: {base['wall'] / first['wall']:.2f}x")
    print(split(first, cores))
    second, sbase = results["second-kzfeed"], results["second-baseline"]
    print("second run (nothing changed):")
    print(show(f"kzfeed: conditional requests, {second['not_modified']:.0f} x 304", second))
    print(show("baseline: server ignores validators, feeds parsed", sbase))
    target = "met" if second["wall"] < 1.0 else "NOT met"
    print(f"  target: unchanged second run under 1 s for {args.feeds} sources: {target}")


def split(r: dict[str, float], cores: int) -> str:
    """Where the first run's time went, as shares of the CPU time the machine had (cores x wall)."""
    capacity = cores * r["wall"]
    extract, main, server = r["cpu_extract"], r["cpu_main"], r["cpu_server"]
    others = max(0.0, r["machine_busy"] - extract - main - server) if r["machine_busy"] else 0.0
    idle = r["machine_idle"] if r["machine_busy"] else max(0.0, capacity - extract - main - server)
    target = "met" if extract > max(main, idle) else "NOT met"

    def line(label: str, seconds: float) -> str:
        return f"    {label:<74} {seconds:6.1f} s  {seconds / capacity:4.0%}\n"

    return (
        f"  where the time went ({cores} cores x {r['wall']:.1f} s = {capacity:.1f} s CPU available):\n"
        + line(
            f"extraction: trafilatura on {r['extracted']:.0f} pages (CPU measured in the workers)", extract
        )
        + line("kzfeed main process: HTTP, feed parsing, classification, storage (CPU)", main)
        + line("the local sites' server (not kzfeed)", server)
        + line("other programs on this machine (not kzfeed)", others)
        + line("idle: every core waiting", idle)
        + f"    main thread busy classifying and storing {r['main_thread_commit_s']:.1f} s of {r['wall']:.1f} s wall; "
        f"fetch threads spent {r['http_thread_s']:.1f} s in HTTP requests "
        f"({r['http_thread_s'] / r['wall']:.1f} in flight on average) and {r['extract_thread_s']:.1f} s "
        "waiting for extraction results\n"
        f"  target: most of the first run's time in extraction, not waiting: {target}"
    )


if __name__ == "__main__":
    main()
