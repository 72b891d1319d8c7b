"""Storage scale: what an unchanged run, a render, ``kzfeed items`` and the commands that go
over everything stored cost with 1k, 10k and 100k stored items, for this commit and a
baseline commit side by side in the same run.

For each size, each version gets its own folder and database. The stored history is written
straight into the database by the version's own ``Store.save_source`` (``seed`` below: items
of ~150 words, 90 % relevant with one or two topics, every tenth a second report of the story
before it, first seen over the past months), so that 100k items take minutes, not the hour a
first ``kzfeed run`` over them would; then ``--feeds`` full-content RSS feeds (one loopback
site each, with an ETag) carry ``--per-feed`` new items, ingested by a first ``kzfeed run``.
Then, rounds alternating between the versions, whole ``kzfeed`` processes:

- ``kzfeed run --all`` with nothing changed (every feed fetched and answering 304; feeds
  rendered as after any run; a version from before sources were due, which has no ``--all``,
  fetches every feed on ``kzfeed run``),
- ``kzfeed run`` with no source due (each was fetched less than its interval ago),
- ``kzfeed render`` with nothing changed,
- ``kzfeed items`` (every relevant item, printed to /dev/null),

and after each round, in a process of each version, the time of counting every feed's stories
(``Store.count_stories``, as a render pages the feeds; the median of 7 passes);
and once per version, after the rounds (``--streaming``): ``kzfeed stories`` (the stories of
several reports), ``kzfeed prune --older-than 30d --dry-run`` (lists the items it would drop),
``kzfeed stories --rebuild`` and ``kzfeed reclassify``. Each with its wall time and peak
memory: ``ru_maxrss`` from ``wait4``, the largest resident set of the process and of every
child process it waited for (worker processes included). And the size of ``public/``. The
baseline is a ``git worktree`` of ``--baseline`` (default 019a83d, main before issue 13), run
with the same virtualenv through ``PYTHONPATH``.

    .venv/bin/python benchmarks/bench_storage.py [--sizes 1000,10000,100000] [--rounds 3]
        [--baseline 019a83d] [--baseline-max 100000] [--streaming 1000,10000,100000]
        [--streaming-baseline-max 10000] [--keep DIR]

With ``--keep DIR`` each version's folder (``this-this-SIZE``, ``baseline-COMMIT-SIZE``) is kept in
``DIR`` and used again by later runs of the benchmark: the history is not stored again, and the
first run, which fetches every feed again at the loopback sites' new addresses, stores nothing
new (the folder keeps its render record: the rounds are those of a folder rendered before).

Sizes above ``--baseline-max`` are measured for this commit only, and the streaming commands
above ``--streaming-baseline-max`` too (the baseline's ``stories --rebuild`` holds every item).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from baseline_tree import REPO, baseline_tree
from loopback_sites import LoopbackSites

COMMANDS = {
    "unchanged run": ["run", "--all"],
    "run, none due": ["run"],
    "render": ["render"],
    "items": ["items"],
}
STREAMING = {
    "stories": ["stories"],
    "prune --dry-run": ["prune", "--older-than", "30d", "--dry-run"],
    "stories --rebuild": ["stories", "--rebuild"],
    "reclassify": ["reclassify"],
}
HISTORY_START = datetime(2025, 1, 1, tzinfo=UTC)
_SYLLABLES = "ka ze ro mi tu la ne so vi da re po lu ma te ri no sa be gu".split()
_FILLER = sorted({a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "n", "s", "r")})
_TOPICAL = [
    "lithium and rare earths for European batteries",
    "renewable hydrogen from the steppe",
    "the Trans-Caspian transport corridor through Aktau",
    "visa facilitation talks in Brussels",
    "trade and investment under the enhanced partnership agreement",
    "uranium supplies for European power plants",
]


def article_text(feed: int, n: int) -> str:
    """~150 words: Kazakhstan and the EU, one topical phrase, and filler that differs per item
    (so that story clustering keeps items apart)."""
    rng = random.Random(feed * 1_000_003 + n)
    filler = [" ".join(rng.choices(_FILLER, k=12)) for _ in range(10)]
    return (
        f"Kazakhstan and the European Union discussed {_TOPICAL[(feed + n) % len(_TOPICAL)]} in Astana. "
        + ". ".join(filler)
        + ". Officials of the EU delegation in Kazakhstan welcomed the step."
    )


def feed_xml(feed: int, count: int) -> bytes:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    entries = "".join(
        f"<item><title>Kazakhstan and EU story {feed}-{n}</title>"
        f"<link>https://outlet{feed}.example/news/{n}</link><guid>s-{feed}-{n}</guid>"
        f"<pubDate>{format_datetime(start + timedelta(hours=7 * n + feed))}</pubDate>"
        f"<description>{article_text(feed, n)}</description></item>"
        for n in range(count)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Outlet {feed}</title>"
        f"<link>https://outlet{feed}.example/</link><description>d</description><language>en</language>"
        f"{entries}</channel></rss>"
    ).encode()


def time_counts(url: str) -> None:
    """Print the milliseconds that counting every feed's stories takes (``count_stories`` of
    the overall feed and of each topic, as a render pages the feeds), the median of 7 passes,
    with the ``kzfeed`` on ``PYTHONPATH`` (``bench_storage.py counts URL``)."""
    from kzfeed.storage import open_store

    store = open_store(url)
    if not hasattr(store, "count_stories") or not hasattr(store, "feed_topics"):  # an older version
        print("none")
        store.close()
        return
    feeds = [None, *store.feed_topics()]
    passes = []
    for _ in range(7):
        start = time.perf_counter()
        for feed in feeds:
            store.count_stories(feed)
        passes.append(time.perf_counter() - start)
    store.close()
    print(f"{statistics.median(passes) * 1000:.3f}")


def counts_ms(src: Path, folder: Path) -> float | None:
    """``time_counts`` of the version at ``src`` on ``folder``'s database, in a process of its own
    (None: that version counts no stories on their own)."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(src)
    url = f"sqlite:///{folder / 'kzfeed.db'}"
    done = subprocess.run([sys.executable, __file__, "counts", url], check=True, env=env, cwd=folder,
                          capture_output=True, text=True)  # fmt: skip
    last = done.stdout.split()[-1]
    return None if last == "none" else float(last)


def seed(url: str, count: int) -> None:
    """Store ``count`` items of history with the ``kzfeed`` on ``PYTHONPATH`` (run in a process
    of its own: ``bench_storage.py seed URL COUNT``), 1,000 a transaction, an hour apart."""
    import hashlib

    from kzfeed.models import TOPICS, Classification, Item, SourceState, TopicTag
    from kzfeed.storage import open_store

    store = open_store(url)
    state = SourceState(name="history", type="rss")
    previous = ""
    for start in range(0, count, 1000):
        batch = []
        for n in range(start, min(count, start + 1000)):
            text = article_text(10_000 + n % 997, n)
            item_id = hashlib.sha1(f"history-{n}".encode()).hexdigest()[:32]
            topics = (TOPICS[n % 6],) if n % 3 else (TOPICS[n % 6], TOPICS[6 + n % 3])
            batch.append(
                Item(
                    id=item_id,
                    source="history",
                    guid=f"h-{n}",
                    title=f"Kazakhstan and EU history {n}",
                    content_text=text,
                    content_html=f"<p>{text}</p>",
                    content_hash=hashlib.sha1(text.encode()).hexdigest(),
                    url=f"https://history.example/news/{n}",
                    canonical_url=f"https://history.example/news/{n}",
                    summary=text[:200],
                    published=HISTORY_START + timedelta(minutes=5 * n),
                    lang="en",
                    story_id=previous if n % 10 == 9 else item_id,
                    classification=Classification(
                        relevant=n % 10 != 4,
                        relevance=0.8 if n % 10 != 4 else 0.1,
                        topics=tuple(TopicTag(topic=t, score=0.7) for t in topics) if n % 10 != 4 else (),
                        reason="seeded",
                        classifier="bench",
                    ),
                )
            )
            previous = item_id
        now = HISTORY_START + timedelta(minutes=5 * start + 1)
        store.save_source(state=state, config_hash="seed", batch=batch, ok=True, now=now)
    store.close()


def write_config(folder: Path, sites: LoopbackSites, feeds: int, *, guarded: bool) -> None:
    """``guarded``: the version refuses private addresses unless ``allow_private`` lists them
    (the baseline has no such key and would reject it)."""
    lines = [
        'database = "sqlite:///kzfeed.db"',
        'output_dir = "public"',
        "[fetch]",
        "exempt_loopback = true",
        'contact_url = "mailto:bench@example.org"',
    ]
    if guarded:
        lines.append("allow_private = [" + ", ".join(f'"{entry}"' for entry in sites.allow_private) + "]")
    for f in range(feeds):
        url = f"{sites.base_url(f)}/feeds/{f}.xml"
        lines += [
            "[[sources]]",
            f'name = "feed{f}"',
            'type = "rss"',
            f'url = "{url}"',
            "full_content = false",
        ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kzfeed.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def measure(src: Path, folder: Path, args: list[str]) -> tuple[float, float]:
    """Run ``kzfeed ARGS`` of the tree ``src`` in ``folder``: (wall seconds, peak MiB)."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    with open(folder / "bench.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kzfeed", *args],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"kzfeed {' '.join(args)} failed in {folder} (see bench.log there)")
    return wall, usage.ru_maxrss / 1024


def seed_version(src: Path, folder: Path, count: int) -> float:
    """Seed ``folder``'s database with ``count`` items using the version at ``src``: seconds."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    url = f"sqlite:///{folder / 'kzfeed.db'}"
    subprocess.run([sys.executable, __file__, "seed", url, str(count)], check=True, env=env, cwd=folder)
    return time.perf_counter() - start


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def knows_allow_private(src: Path) -> bool:
    """Whether the version at ``src`` (its ``src/`` folder) refuses private addresses unless
    ``allow_private`` lists them: a baseline from before that has no such key."""
    return any("allow_private" in f.read_text(encoding="utf-8") for f in src.rglob("config/*.py"))


def knows_due(src: Path) -> bool:
    """Whether ``kzfeed run`` of the version at ``src`` fetches only the sources due (and has
    ``run --all`` to fetch every one); before that, every run fetched every source."""
    return "every_source" in (src / "kzfeed" / "cli" / "core.py").read_text(encoding="utf-8")


def command_for(src: Path, command: str) -> list[str]:
    """The arguments of ``command`` for the version at ``src``."""
    if command == "unchanged run" and not knows_due(src):
        return ["run"]
    return COMMANDS[command]


def bench_size(size: int, args: argparse.Namespace, versions: dict[str, Path], tmp: Path) -> None:
    sites = LoopbackSites(
        [
            {f"/feeds/{f}.xml": (feed_xml(f, args.per_feed), "application/rss+xml", f'"feed-{f}"')}
            for f in range(args.feeds)
        ]
    )
    history = max(0, size - args.feeds * args.per_feed)
    wanted = {name: src for name, src in versions.items() if name == "this" or size <= args.baseline_max}
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        v: {c: [] for c in (*COMMANDS, *STREAMING)} for v in wanted
    }
    with sites:
        folders = {}
        for name, src in wanted.items():
            folder = (args.keep or tmp) / f"{name}-{args.labels[name]}-{size}"
            kept = args.keep is not None and (folder / "kzfeed.db").is_file()
            write_config(folder, sites, args.feeds, guarded=knows_allow_private(src))
            seeded = 0.0 if kept else seed_version(src, folder, history)
            wall, peak = measure(src, folder, ["run"])
            print(
                f"  {name}: {history:,} items stored in {seeded:.0f} s; first run "
                f"(ingest {args.per_feed * args.feeds:,} items) {wall:.1f} s, {peak:.0f} MiB"
                if not kept
                else f"  {name}: {folder} kept from before; a run that fetched every feed again "
                f"(new addresses, items unchanged) {wall:.1f} s, {peak:.0f} MiB",
                flush=True,
            )
            folders[name] = folder
        counted: dict[str, list[float]] = {name: [] for name in wanted}
        for _ in range(args.rounds):
            for command in COMMANDS:
                for name, src in wanted.items():
                    if command != "run, none due" or knows_due(src):
                        results[name][command].append(measure(src, folders[name], command_for(src, command)))
            for name, src in wanted.items():
                if (took := counts_ms(src, folders[name])) is not None:
                    counted[name].append(took)
        stored = {name: folder_mb(folders[name] / "public") for name in wanted}
        if size in args.streaming:
            for command, argv in STREAMING.items():
                for name, src in wanted.items():
                    if name == "this" or size <= args.streaming_baseline_max:
                        results[name][command].append(measure(src, folders[name], argv))
    report(size, results, stored)
    print("  story counts (every feed, median of 7 passes, median of the rounds): " + ", ".join(
        f"{name} {statistics.median(ms):.2f} ms" if ms else f"{name} (no story counts of its own)"
        for name, ms in counted.items()), flush=True)  # fmt: skip


def report(
    size: int, results: dict[str, dict[str, list[tuple[float, float]]]], public: dict[str, float]
) -> None:
    names = list(results)
    print(f"{size:,} items — median of {len(results[names[0]]['render'])} rounds (wall s, peak MiB)")
    head = (
        f"  {'':<18}" + "".join(f"{n:>22}" for n in names) + ("   this ÷ baseline" if len(names) > 1 else "")
    )
    print(head)
    for command in (*COMMANDS, *STREAMING):
        if not results[names[0]][command]:
            continue
        med = {n: (statistics.median(w for w, _ in results[n][command]), max(m for _, m in results[n][command]))
               for n in names if results[n][command]}  # fmt: skip
        row = f"  {command:<18}" + "".join(
            f"{med[n][0]:>12.2f} s {med[n][1]:>5.0f} MiB" if n in med else f"{'—':>22}" for n in names
        )
        if len(med) > 1:
            row += f"   {med['this'][0] / med['baseline'][0]:.2f}× time, {med['this'][1] / med['baseline'][1]:.2f}× memory"
        print(row, flush=True)
    row = f"  {'public/':<18}" + "".join(f"{public[n]:>16.1f} MB   " for n in names)
    if len(names) > 1:
        row += f" {public['this'] / public['baseline']:.2f}×"
    print(row, flush=True)


def main() -> None:
    if sys.argv[1:2] == ["seed"]:
        seed(sys.argv[2], int(sys.argv[3]))
        return
    if sys.argv[1:2] == ["counts"]:
        time_counts(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--per-feed", type=int, default=10, help="new items per feed in the first run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default="019a83d")
    parser.add_argument("--baseline-max", type=int, default=100_000)
    parser.add_argument(
        "--streaming", default="1000,10000,100000", help="sizes to run the streaming commands at"
    )
    parser.add_argument("--streaming-baseline-max", type=int, default=10_000)
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep each version's folder (database, public/) in this folder and use it again in later "
        "runs of the benchmark instead of storing the history again (100k items take many minutes)",
    )
    args = parser.parse_args()
    args.streaming = {int(s) for s in args.streaming.split(",") if s}
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="kzfeed-bench-storage-") as tmp_name:
        tmp = Path(tmp_name)
        with baseline_tree(args.baseline, tmp / "baseline") as base:
            commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True).stdout.strip()  # fmt: skip
            print(
                f"this = {commit} (working tree), baseline = {args.baseline}; {args.feeds} feeds", flush=True
            )
            args.labels = {"this": "this", "baseline": args.baseline}
            for size in sizes:
                bench_size(size, args, {"this": REPO / "src", "baseline": base / "src"}, tmp)


if __name__ == "__main__":
    main()
