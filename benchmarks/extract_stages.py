"""Where the CPU of extracting ``bench_extract.py``'s pages goes, per page and per stage.

    .venv/bin/python benchmarks/extract_stages.py [--pages 500] [--sites 1] [--baseline COMMIT]

Worker side, in this process after a warm-up over every template and language, best of 3
rounds: parsing, trafilatura's main text (favouring precision, then not for pages laid out with
tables; its fallbacks for a short text), the metadata, the furniture filter, and the whole of
``extract_page``.

Main side: one ``kzfeed run`` as ``bench_extract.py`` runs it (the pages served on loopback, 2
extraction processes), its stages timed by wrapping the pipeline's functions in that process:
the CPU of the thread that ran each, the page-fetching threads' CPU, and the extraction
processes' CPU as the run counts it; and when (wall clock) the run loop starts, the first and
the last page are extracted and the run ends. With ``--baseline COMMIT`` that commit's tree is measured
too (worker side in a child process).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from baseline_tree import baseline_tree
from bench_extract import kzfeed_config
from extract_pages import ROOT, pages
from loopback_sites import LoopbackSites

WORKER_SIDE = r"""
import sys, time
sys.path.insert(0, {bench!r})
from extract_pages import pages
from kzfeed.articles import _extract as ex
from kzfeed.articles._text import drop_furniture
from trafilatura import load_html
corpus, url = pages({pages}), "https://site.example/page.html"
for p in corpus[:124]:
    ex.extract_page(p.html, url=url)
best = None
for _ in range(3):
    st = dict.fromkeys(("parse", "main text", "metadata", "furniture", "extract_page"), 0.0)
    for p in corpus:
        t0 = time.process_time(); tree = load_html(p.html); t1 = time.process_time()
        if hasattr(ex, "_article_text"):  # trafilatura's fallbacks only for a short text
            text = ex._article_text(tree, url)
        else:  # before: with its fallbacks on every page, then without precision for table layouts
            text = ex._main_text(tree, url, precise=True) or ex._main_text(tree, url, precise=False)
        t2 = time.process_time()
        found = ex.page_metadata(tree, url); t3 = time.process_time()
        drop_furniture([" ".join(line.split()) for line in text.split("\n")], title=found.get("title") or "")
        t4 = time.process_time()
        for key, took in zip(st, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            st[key] += took
    start = time.process_time()
    for p in corpus:
        ex.extract_page(p.html, url=url)
    st["extract_page"] = time.process_time() - start
    best = st if best is None or st["extract_page"] < best["extract_page"] else best
print("  ".join(f"{{k}} {{1000 * v / len(corpus):.2f}}" for k, v in best.items()) + "  (ms a page)")
"""

MAIN_SIDE = r"""
import collections, contextlib, functools, io, sys, threading, time
T0 = time.perf_counter()
took, threads = collections.Counter(), collections.Counter()
bootstrap = threading.Thread._bootstrap_inner
def counted(self):
    try:
        bootstrap(self)
    finally:
        threads[self.name.rsplit("_", 1)[0]] += time.thread_time()
threading.Thread._bootstrap_inner = counted
def timed(owner, name, label):
    original = getattr(owner, name)
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            took[label] += time.thread_time() - start
    setattr(owner, name, wrapper)
import kzfeed.cli
from kzfeed.articles import _pool
from kzfeed.ops import _render
from kzfeed.pipeline import _build, _commit, _run
ran, when = {{}}, {{}}
call = _pool.ArticleExtractor.__call__
def noted_call(self, *args, **kwargs):
    try:
        return call(self, *args, **kwargs)
    finally:
        when.setdefault("first page extracted", time.perf_counter() - T0)
        when["last page extracted"] = time.perf_counter() - T0
_pool.ArticleExtractor.__call__ = noted_call
ingest = _run.Pipeline.ingest
def measured_ingest(self, *args, **kwargs):
    ran["start-up before the run loop (main thread)"] = time.thread_time()
    when["run loop starts"] = time.perf_counter() - T0
    try:
        return ingest(self, *args, **kwargs)
    finally:
        ran["extraction processes (as the run counts them)"] = self.extract_cpu_s
_run.Pipeline.ingest = measured_ingest
for owner, name, label in (
    (_commit, "normalise", "normalise"),
    (_build.LazyClassifier, "_get", "build the classifier (once)"),
    (_build.LazyClassifier, "classify", "classify (with the build)"),
    (_commit, "signals", "story signals"),
    (_commit, "fingerprint", "fingerprint"),
    (_commit.Committer, "commit", "store the source (stories, transaction)"),
    (_render.CoalescedRenderer, "finish", "render"),
):
    timed(owner, name, label)
with contextlib.redirect_stdout(io.StringIO()):  # the run's own report
    try:
        kzfeed.cli.main(["run"])
    except SystemExit:
        pass
when["run ends (stored and rendered)"] = time.perf_counter() - T0
print(f"  wall {{time.perf_counter() - T0:.2f}} s; main thread CPU {{time.thread_time():.2f}} s")
print("  wall clock, from the start of the process (the extraction processes are idle before the "
      "first page and after the last): " + "; ".join(f"{{k}} {{v:.2f}} s" for k, v in sorted(when.items(), key=lambda kv: kv[1])))
for label, seconds in [*ran.items(), *took.items()]:
    print(f"  {{label}}: {{seconds:.2f}} s ({{1000 * seconds / {pages}:.2f}} ms a page)")
for name, seconds in threads.items():
    print(f"  threads {{name}}: {{seconds:.2f}} s ({{1000 * seconds / {pages}:.2f}} ms a page)")
"""


def measure(src: Path, corpus_size: int, sites: LoopbackSites, names: list[list[str]]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"} | {"PYTHONPATH": str(src)}
    bench = str(Path(__file__).parent)
    worker = WORKER_SIDE.format(bench=bench, pages=corpus_size)
    got = subprocess.run([sys.executable, "-c", worker], env=env, capture_output=True, text=True, check=True)
    print("  worker side: " + got.stdout.strip())
    with tempfile.TemporaryDirectory(prefix="kzfeed-extract-stages-") as tmp:
        kzfeed_config(Path(tmp), sites, names, 2)
        main = MAIN_SIDE.format(pages=corpus_size)
        got = subprocess.run(
            [sys.executable, "-c", main], cwd=tmp, env=env, capture_output=True, text=True, check=True
        )
    print("  main side, one kzfeed run:\n" + got.stdout.rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--sites", type=int, default=1)
    parser.add_argument("--baseline", help="a commit measured the same way, after this tree")
    args = parser.parse_args()
    corpus = pages(args.pages)
    names = [[p.name for p in corpus[n :: args.sites]] for n in range(args.sites)]
    by_name = {p.name: p for p in corpus}
    served = [
        {f"/{n}.html": (by_name[n].html.encode(), "text/html; charset=utf-8", None) for n in site_pages}
        for site_pages in names
    ]
    with LoopbackSites(served) as sites, tempfile.TemporaryDirectory(prefix="kzfeed-stages-") as tmp:
        print(f"{len(corpus)} pages, {args.sites} html source(s); this tree:")
        measure(ROOT / "src", len(corpus), sites, names)
        if args.baseline:
            with baseline_tree(args.baseline, Path(tmp) / "tree") as tree:
                print(f"{args.baseline}:")
                measure(tree / "src", len(corpus), sites, names)


if __name__ == "__main__":
    main()
