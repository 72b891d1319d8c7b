"""kzfeed's article extraction next to trafilatura on the same pages: speed and extraction F1.

    .venv/bin/python benchmarks/bench_extract.py [--pages 124] [--rounds 3] [--parallel 2] [--sites 4]
        [--baseline COMMIT]

The pages and their reference texts come from ``extract_pages.py`` (known article texts in six
kinds of generated page furniture; read its docstring for what is real and what is not).

Quality, in this process, page by page: kzfeed's ``extract_article`` (trafilatura, then
kzfeed's furniture filter) against bare ``trafilatura.extract`` (its defaults), each scored
against the reference the way the article-extraction-benchmark scores: 4-token shingles, a
page's precision and recall, then the mean precision and mean recall over the pages and F1 of the
two means. Tokens are runs of letters and digits, lower-cased; each CJK letter is a token (those
scripts do not put spaces between words). Printed per language too.

Speed, whole processes, the same parallelism, rounds alternating, median:

* trafilatura's CLI: ``trafilatura --input-dir pages --output-dir out --parallel P``;
* kzfeed end to end as a user runs it: ``python -m kzfeed run`` on ``html`` sources whose
  ``urls`` are the pages (``--sites`` sources, each on its own loopback address, sharing the
  pages; ``--sites 1``: one source holds them all), extracting on ``P`` worker processes
  (``[fetch] extract_processes``); the run fetches, extracts, classifies, stores and renders.
  Fetch policy as in ``bench_reader.py``: ``allow_private`` for the loopback range,
  ``exempt_loopback = true`` (no 1 s ``min_delay`` between two pages of one loopback site).
  This tree's kzfeed is byte-compiled first, as an installed one is.

With ``--baseline COMMIT``, that commit's ``kzfeed run`` (a git worktree, this virtualenv) is
timed in the same rounds. Printed: pages/s of each and kzfeed ÷ trafilatura (the target is ≥ 0.9).

The CLI above reads the pages from disk and, without ``--with-metadata``, reads no title, date or
author; ``kzfeed run`` fetches them over HTTP and keeps all three. ``--cli-variants`` times two
more ways of running the CLI in the same rounds, to show what each difference costs (the ratio
above stays the target's): ``--with-metadata``, and ``-i urls.txt`` (the CLI fetching the same
loopback URLs itself: its extraction then runs in one process, its downloads on ``P`` threads;
with trafilatura's settings but ``SLEEP_TIME = 0``, as kzfeed's ``exempt_loopback``, and
``SSRF_PROTECTION = off``, as kzfeed's ``allow_private``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from baseline_tree import baseline_tree
from extract_pages import ROOT, Page, pages
from loopback_sites import LoopbackSites
from processes import Measured, measure

_WARM_UP = 124  # pages extracted before the in-process timing: every template and language once

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text.casefold())
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 1 if tokens else 0)))


def precision_recall(got: str, reference: str) -> tuple[float, float]:
    """One page's shingle precision and recall (both 1 when both are empty)."""
    found, wanted = shingles(got), shingles(reference)
    if not found and not wanted:
        return 1.0, 1.0
    common = sum((found & wanted).values())
    precision = common / sum(found.values()) if found else 0.0
    recall = common / sum(wanted.values()) if wanted else 0.0
    return precision, recall


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def kzfeed_text(page: Page) -> str:
    from kzfeed.articles import extract_article
    from kzfeed.errors import InputError

    try:
        return "\n".join(extract_article(page.html, url=f"https://site.example/{page.name}.html").paragraphs)
    except InputError:
        return ""


def trafilatura_text(page: Page) -> str:
    import trafilatura

    return trafilatura.extract(page.html, url=f"https://site.example/{page.name}.html") or ""


def quality(corpus: list[Page]) -> None:
    extractors = {"kzfeed extract_article": kzfeed_text, "trafilatura.extract": trafilatura_text}
    for fn in extractors.values():  # imports and first-call set-up (language model, stop lists) are not timed
        for p in corpus[:_WARM_UP]:
            fn(p)
    scores: dict[str, list[tuple[str, float, float]]] = {}
    seconds: dict[str, float] = {}
    for name, fn in extractors.items():
        start = time.process_time()
        texts = [fn(p) for p in corpus]
        seconds[name] = time.process_time() - start
        scores[name] = [
            (p.lang, *precision_recall(text, p.reference)) for p, text in zip(corpus, texts, strict=True)
        ]
    print(f"quality: {len(corpus)} pages, 4-token shingles, mean precision / mean recall / F1 (empty pages)")
    langs = sorted({p.lang for p in corpus})
    for name, rows in scores.items():
        line = f"  {name:<24}" + _score(rows)
        line += f"   in-process: {len(corpus) / seconds[name]:.1f} pages per CPU-second"
        print(line)
        by_lang: defaultdict[str, list[tuple[str, float, float]]] = defaultdict(list)
        for row in rows:
            by_lang[row[0]].append(row)
        print(
            "    "
            + "; ".join(
                f"{lang} ({len(by_lang[lang])}): {_score(by_lang[lang], short=True)}" for lang in langs
            )
        )


def _score(rows: list[tuple[str, float, float]], short: bool = False) -> str:
    p = statistics.fmean(r[1] for r in rows)
    r = statistics.fmean(r[2] for r in rows)
    empty = sum(1 for row in rows if row[2] == 0)
    if short:
        return f"F1 {f1(p, r):.3f}" + (f", {empty} empty" if empty else "")
    return f"P {p:.3f}  R {r:.3f}  F1 {f1(p, r):.3f}  ({empty} empty)"


def compile_sources(src: Path) -> None:
    """Byte-compile a tree's kzfeed, as installing it does: with ``PYTHONDONTWRITEBYTECODE``
    set (as in some shells and containers) every run would otherwise compile all of kzfeed's
    modules again, which trafilatura, installed and compiled, never pays."""
    import compileall

    compileall.compile_dir(src, quiet=1)


def timed(argv: list[str], cwd: Path, src: Path = ROOT / "src") -> Measured:
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(
        src
    )  # this tree's kzfeed (or the baseline's), whichever checkout the virtualenv has
    return measure(argv, cwd=cwd, env=env)


def kzfeed_config(folder: Path, sites: LoopbackSites, names: list[list[str]], parallel: int) -> None:
    lines = [
        f'database = "sqlite:///{folder / "kzfeed.db"}"',
        'output_dir = "public"',
        "[fetch]",
        f"extract_processes = {parallel}",
        "exempt_loopback = true",
        'allow_private = ["127.0.0.0/22"]',
        'contact_url = "mailto:bench@example.org"',
    ]
    for n, site_pages in enumerate(names):
        urls = ", ".join(f'"{sites.base_url(n)}/{name}.html"' for name in site_pages)
        lines += [
            "[[sources]]",
            f'name = "site{n}"',
            'type = "html"',
            f"urls = [{urls}]",
            f"max_items = {len(site_pages)}",
        ]
    (folder / "kzfeed.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cli_config(folder: Path) -> Path:
    """trafilatura's own settings with no delay between two pages of a site and loopback allowed."""
    import trafilatura

    settings = (Path(trafilatura.__file__).parent / "settings.cfg").read_text(encoding="utf-8")
    settings = re.sub(r"(?m)^SLEEP_TIME = .*$", "SLEEP_TIME = 0", settings)
    settings = re.sub(r"(?m)^SSRF_PROTECTION = .*$", "SSRF_PROTECTION = off", settings)
    (folder / "trafilatura.cfg").write_text(settings, encoding="utf-8")
    return folder / "trafilatura.cfg"


def _cli_argv(tool: str, tmp: Path, work: Path, parallel: int) -> list[str]:
    argv = [str(Path(sys.executable).with_name("trafilatura")), "--output-dir", str(work / "out"),
            "--parallel", str(parallel)]  # fmt: skip
    if tool == _FETCHING_CLI:
        return [*argv, "--input-file", str(tmp / "urls.txt"), "--config-file", str(tmp / "trafilatura.cfg")]
    return [*argv, "--input-dir", str(tmp / "pages"), *(["--with-metadata"] if tool == _METADATA_CLI else [])]


_METADATA_CLI = "CLI --with-metadata"
_FETCHING_CLI = "CLI fetching the URLs"


def speed(
    corpus: list[Page],
    rounds: int,
    parallel: int,
    site_count: int,
    baseline: tuple[str, Path] | None,
    variants: bool = False,
) -> None:
    names = [[p.name for p in corpus[n::site_count]] for n in range(site_count)]
    by_name = {p.name: p for p in corpus}
    served = [
        {
            f"/{name}.html": (by_name[name].html.encode(), "text/html; charset=utf-8", None)
            for name in site_pages
        }
        for site_pages in names
    ]
    trees = {"kzfeed run": ROOT / "src"} | (
        {f"kzfeed run ({baseline[0]})": baseline[1] / "src"} if baseline else {}
    )
    for src in trees.values():
        compile_sources(src)
    clis = ["trafilatura CLI", *([_METADATA_CLI, _FETCHING_CLI] if variants else [])]
    got: dict[str, list[Measured]] = {tool: [] for tool in clis} | {tool: [] for tool in trees}
    with (
        tempfile.TemporaryDirectory(prefix="kzfeed-bench-extract-") as tmp_name,
        LoopbackSites(served) as sites,
    ):
        tmp = Path(tmp_name)
        (tmp / "pages").mkdir()
        for p in corpus:
            (tmp / "pages" / f"{p.name}.html").write_text(p.html, encoding="utf-8")
        urls = [
            f"{sites.base_url(n)}/{name}.html" for n, site_pages in enumerate(names) for name in site_pages
        ]
        (tmp / "urls.txt").write_text("\n".join(urls) + "\n", encoding="utf-8")
        _cli_config(tmp)
        for r in range(rounds):
            order = list(got) if r % 2 == 0 else list(reversed(got))
            for tool in order:
                work = tmp / f"{list(got).index(tool)}-{r}"
                work.mkdir()
                if tool in trees:
                    kzfeed_config(work, sites, names, parallel)
                    got[tool].append(timed([sys.executable, "-m", "kzfeed", "run"], work, trees[tool]))
                else:
                    got[tool].append(timed(_cli_argv(tool, tmp, work, parallel), work))
                    if tool == "trafilatura CLI":
                        written = len(list((work / "out").glob("*")))
    print(f"speed: {len(corpus)} pages, trafilatura --parallel {parallel}, kzfeed {parallel} extraction processes, "
          f"{site_count} html source(s), median of {rounds} round(s), whole processes")  # fmt: skip
    _print_speed(got, len(corpus))
    print(f"  (trafilatura wrote {written} files)")


def _print_speed(got: dict[str, list[Measured]], pages: int) -> None:
    rate = {tool: pages / statistics.median(r.wall for r in runs) for tool, runs in got.items()}
    for tool, runs in got.items():
        wall, cpu = statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs)
        peak = statistics.median(r.largest_peak_mib for r in runs)
        print(
            f"  {tool:<28}{wall:>7.2f} s  {rate[tool]:>6.1f} pages/s  CPU {cpu:6.2f} s  peak {peak:4.0f} MiB (largest process)"
        )
    for tool in got:
        if tool.startswith("kzfeed"):
            print(f"  {tool} ÷ trafilatura: {rate[tool] / rate['trafilatura CLI']:.2f}× pages/s")
            for peer in (_METADATA_CLI, _FETCHING_CLI):
                if peer in rate:
                    print(f"  {tool} ÷ {peer}: {rate[tool] / rate[peer]:.2f}× pages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=None, help="default: one page per article text")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--sites", type=int, default=4, help="html sources (loopback sites) sharing the pages"
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--cli-variants",
        action="store_true",
        help="also time the CLI with --with-metadata and fetching the URLs itself (see above)",
    )
    parser.add_argument(
        "--baseline", help="a commit whose kzfeed run is timed too, alternating with this one"
    )
    args = parser.parse_args()
    corpus = pages(args.pages)
    quality(corpus)
    if args.skip_speed:
        return
    if args.baseline is None:
        speed(corpus, args.rounds, args.parallel, args.sites, None, args.cli_variants)
        return
    with (
        tempfile.TemporaryDirectory(prefix="kzfeed-bench-extract-baseline-") as tmp,
        baseline_tree(args.baseline, Path(tmp) / "tree") as tree,
    ):
        speed(corpus, args.rounds, args.parallel, args.sites, (args.baseline, tree), args.cli_variants)


if __name__ == "__main__":
    main()
