"""kzfeed next to reader (lemon24's feed reader library, the ``bench`` extra) on the same feeds.

    .venv/bin/python benchmarks/bench_reader.py [--sizes 50,200,1000] [--rounds 3] [--items 10]
        [--baseline COMMIT]

Feed ``n`` is served on its own loopback address (127.0.0.2, ...; ``loopback_sites.py``) with
an ETag, so that an unchanged update can be answered 304. Each feed carries ``--items`` full
articles (title, summary and ``content:encoded``) cycled from the labelled set
(``tests/data/classifier``: news articles in five languages, written for this project from
real reporting) so the feeds of one run are all different.

For each size and round, each tool gets a fresh database and runs twice as a user runs it, each
run a whole process, the two tools alternating (which goes first swaps every round):

* kzfeed: ``python -m kzfeed run --all`` (fetch, parse, classify, store, render ``public/``;
  ``--all`` so that the second run fetches every feed with conditional requests, as reader's
  does, rather than finding nothing due for half an hour) with its
  default fetch policy except what loopback needs: ``allow_private = ["127.0.0.0/22"]`` (these
  addresses are refused by default) and ``exempt_loopback = true`` (no 1 s ``min_delay``
  between two requests to one loopback host; each feed is on its own host, so there is only one
  request per host anyway, plus robots.txt, which kzfeed reads and reader does not);
* reader: ``make_reader(db)``, ``add_feed`` for each URL (first run only), then
  ``update_feeds(scheduled=False, workers=W)`` (``scheduled=False`` so that the second run
  updates every feed, sending conditional GETs, as kzfeed does).

With ``--baseline COMMIT``, that commit's kzfeed (a git worktree, this virtualenv) runs too,
in the same rounds, on its own fresh database: before and after side by side with reader.

Printed: the median wall time and peak memory (``ru_maxrss`` from ``wait4``, the process and
every process it started: kzfeed starts none here, as no page is extracted; see ``processes.py``) of each, and kzfeed ÷ reader.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from baseline_tree import baseline_tree
from loopback_sites import LoopbackSites
from processes import measure

ROOT = Path(__file__).resolve().parent.parent
LABELLED = [ROOT / "tests" / "data" / "classifier" / f"{split}.jsonl" for split in ("dev", "test")]
ALLOW = "127.0.0.0/22"  # site addresses 127.0.0.2 ... 127.0.3.255: up to 1,022 feeds

READER = """
import sys
from reader import make_reader
db, urls, first, workers = sys.argv[1], sys.argv[2], sys.argv[3] == "first", int(sys.argv[4])
reader = make_reader(db)
if first:
    for url in open(urls, encoding="utf-8").read().split():
        reader.add_feed(url, exist_ok=True)
reader.update_feeds(scheduled=False, workers=workers)
print(reader.get_entry_counts().total)
reader.close()
"""


def articles() -> list[dict[str, str]]:
    rows = [json.loads(line) for path in LABELLED for line in path.read_text(encoding="utf-8").splitlines()]
    return [row for row in rows if row.get("title") and row.get("text")]


def feed_xml(n: int, items: int, pool: list[dict[str, str]]) -> bytes:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    parts = []
    for k in range(items):
        article = pool[(n * items + k) % len(pool)]
        paragraphs = [p.strip() for p in article["text"].split("\n\n") if p.strip()]
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        parts.append(
            f"<item><title>{xml_escape(article['title'])}</title>"
            f"<link>http://outlet{n}.example/{k}.html</link><guid isPermaLink='false'>f{n}-{k}</guid>"
            f"<pubDate>{format_datetime(start + timedelta(hours=n + k))}</pubDate>"
            f"<description>{xml_escape(paragraphs[0])}</description>"
            f"<content:encoded>{xml_escape(body)}</content:encoded></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
        "xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel>"
        f"<title>Outlet {n}</title><link>http://outlet{n}.example/</link><description>news</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()


def serve(feeds: int, items: int) -> LoopbackSites:
    pool = articles()
    sites = [
        {
            "/robots.txt": (b"User-agent: *\nDisallow:\n", "text/plain", None),
            "/feed.xml": (feed_xml(n, items, pool), "application/rss+xml", f'"feed-{n}"'),
        }
        for n in range(feeds)
    ]
    return LoopbackSites(sites)


def kzfeed_config(folder: Path, urls: list[str]) -> None:
    lines = [
        f'database = "sqlite:///{folder / "kzfeed.db"}"',
        'output_dir = "public"',
        "[fetch]",
        "exempt_loopback = true",
        f'allow_private = ["{ALLOW}"]',
        'contact_url = "mailto:bench@example.org"',
    ]
    for n, url in enumerate(urls):
        lines += [
            "[[sources]]",
            f'name = "feed{n}"',
            'type = "rss"',
            f'url = "{url}"',
            "full_content = false",
        ]
    (folder / "kzfeed.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def compile_sources(src: Path) -> None:
    """Byte-compile a tree's kzfeed, as installing it does (no run pays for compiling it)."""
    import compileall

    compileall.compile_dir(src, quiet=1)


def timed(argv: list[str], cwd: Path, src: Path = ROOT / "src") -> tuple[float, float, float, str]:
    """(wall seconds, peak MiB, CPU seconds, stdout) of one whole process."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(src)  # this tree's kzfeed (or the baseline's), whichever the virtualenv has
    run = measure(argv, cwd=cwd, env=env)
    return run.wall, run.largest_peak_mib, run.cpu, run.stdout


def kzfeed_items(folder: Path) -> int:
    # closed here, not when the collector gets to it: a connection closed later deletes its WAL
    # file while the next round empties the folder
    with closing(sqlite3.connect(folder / "kzfeed.db")) as db:
        return int(db.execute("select count(*) from items").fetchone()[0])


def one_round(
    tmp: Path, urls: list[str], urls_file: Path, workers: int, trees: dict[str, Path], flip: bool
) -> dict[str, tuple[float, ...]]:
    """Fresh databases; each tool's first and unchanged second run: ``{"kzfeed first": (s, MiB), ...}``."""
    got: dict[str, tuple[float, ...]] = {}
    tools = [*trees, "reader"]
    folders = {tool: tmp / f"tool{n}" for n, tool in enumerate(tools)}
    for folder in folders.values():
        if folder.exists():
            for path in sorted(folder.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
    for tool in trees:
        kzfeed_config(folders[tool], urls)
    stored = {}
    for phase in ("first", "second"):
        for tool in reversed(tools) if flip else tools:
            folder = folders[tool]
            if tool in trees:
                wall, peak, cpu, _ = timed(
                    [sys.executable, "-m", "kzfeed", "run", "--all"], folder, trees[tool]
                )
                stored[tool] = kzfeed_items(folder)
            else:
                db = str(folder / "reader.sqlite")
                argv = [sys.executable, "-c", READER, db, str(urls_file), phase, str(workers)]
                wall, peak, cpu, out = timed(argv, folder)
                stored[tool] = int(out.split()[-1])
            got[f"{tool} {phase}"] = (wall, peak, cpu)
    got["stored"] = tuple(float(stored[tool]) for tool in tools)
    return got


def report(size: int, rounds: list[dict[str, tuple[float, ...]]], trees: dict[str, Path]) -> None:
    for phase, label in (("first", "first"), ("second", "unchanged")):
        rd = [r[f"reader {phase}"] for r in rounds]
        rd_wall, rd_peak, rd_cpu = (statistics.median(x[i] for x in rd) for i in (0, 1, 2))
        for tool in trees:
            kz = [r[f"{tool} {phase}"] for r in rounds]
            kz_wall, kz_peak, kz_cpu = (statistics.median(x[i] for x in kz) for i in (0, 1, 2))
            print(
                f"{size:>6} {label:<10}{tool:<22}{kz_wall:>8.2f} s {kz_peak:>4.0f} MiB"
                f"{rd_wall:>8.2f} s {rd_peak:>4.0f} MiB"
                f"{kz_wall / rd_wall:>11.2f}× time {kz_peak / rd_peak:.2f}× memory"
                f"  (CPU {kz_cpu:.2f} s, reader {rd_cpu:.2f} s)"
            )
    counts = ", ".join(
        f"{tool} {n:.0f}" for tool, n in zip([*trees, "reader"], rounds[-1]["stored"], strict=True)
    )
    print(f"{'':>6} stored (items; reader: entries): {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,1000", help="numbers of feeds, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--items", type=int, default=10, help="entries in each feed")
    parser.add_argument(
        "--reader-workers", type=int, default=1, help="update_feeds(workers=...); 1 is reader's default"
    )
    parser.add_argument("--baseline", help="a commit whose kzfeed runs too, in the same rounds")
    args = parser.parse_args()
    try:
        import reader
    except ImportError:
        raise SystemExit("reader is not installed: .venv/bin/pip install -e '.[bench]'") from None
    with tempfile.TemporaryDirectory(prefix="kzfeed-bench-reader-tree-") as trees_tmp:
        trees = {"kzfeed": ROOT / "src"}
        with ExitStack() as stack:
            if args.baseline:
                tree = stack.enter_context(baseline_tree(args.baseline, Path(trees_tmp) / "tree"))
                trees[f"kzfeed {args.baseline[:10]}"] = tree / "src"
            for src in trees.values():
                compile_sources(src)
            run_sizes(args, trees, reader.__version__)


def run_sizes(args: argparse.Namespace, trees: dict[str, Path], version: str) -> None:
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"kzfeed (python -m kzfeed run --all) and reader {version} "
        f"(update_feeds(scheduled=False, workers={args.reader_workers})), "
        f"{args.items} entries a feed, median of {args.rounds} round(s), whole processes"
    )
    print(f"{'feeds':>6} {'run':<10}{'tool':<22}{'kzfeed':>18}{'reader':>18}{'kzfeed ÷ reader':>22}")
    for size in sizes:
        with (
            tempfile.TemporaryDirectory(prefix="kzfeed-bench-reader-") as tmp_name,
            serve(size, args.items) as sites,
        ):
            tmp = Path(tmp_name)
            urls = [f"{sites.base_url(n)}/feed.xml" for n in range(size)]
            urls_file = tmp / "urls.txt"
            urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
            rounds = [
                one_round(tmp, urls, urls_file, args.reader_workers, trees, bool(r % 2))
                for r in range(args.rounds)
            ]
        report(size, rounds, trees)


if __name__ == "__main__":
    main()
