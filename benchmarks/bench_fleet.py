"""Benchmark of several workers on one PostgreSQL database: 5,000 feeds on loopback addresses,
fetched by 1, 2 and 4 ``kzfeed ingest`` processes started together.

For each number of workers: a fresh database (a throwaway cluster under ``.pg/``, with
pg_stat_statements), every source due, the workers started at once; measured until the last
one exits. Prints per worker count the wall time, sources per second and the ratio to one
worker, the claim statements per source (statements that claim sources: ``FOR UPDATE SKIP
LOCKED`` on ``sources``, counted by pg_stat_statements), the host-turn statements per request
(politeness shared in the database: calls of ``kzfeed_take_host_turn``, more than one when the
host was busy, and the ``DELETE`` that ends the turn), the statements per source in all, and
each worker's peak RSS. Every source is checked to be stored exactly once.

And where the CPU went during each measurement, to tell whether the machine's cores limit the
scaling ("CPU allowing"): the workers' CPU seconds (their own ``getrusage``), the PostgreSQL
cluster's (its postmaster and backends, from /proc), the loopback sites' server's (a thread of
this process), and everything else the machine ran meanwhile (from /proc/stat: other work on a
shared machine), with how busy the machine's cores were.

The sites: ``--sites`` loopback addresses (127.0.0.2, ...), each serving ``--feeds / --sites``
RSS feeds of ``--items`` entries. Politeness stays on and shared (``per_host_concurrency`` 2,
``min_delay`` 0.05 s, no ``exempt_loopback``): with 1,000 sites it is not what limits the rate.

Usage: python benchmarks/bench_fleet.py [--feeds 5000] [--sites 1000] [--items 2] [--workers 1 2 4]
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
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from loopback_sites import LoopbackSites

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import pgserver  # noqa: E402  (the test suite's throwaway PostgreSQL)

# the worker: the CLI, then its own peak RSS (kB on Linux) and CPU seconds on stderr's last line
WORKER = (
    "import atexit, resource, sys\n"
    "def _usage():\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    print('peak_rss_kb', u.ru_maxrss, 'cpu_s', u.ru_utime + u.ru_stime, file=sys.stderr)\n"
    "atexit.register(_usage)\n"
    "from kzfeed.cli import main\n"
    "main()\n"
)
_TICK = os.sysconf("SC_CLK_TCK")


def postgres_cpu(server: pgserver.PgServer) -> float:
    """CPU seconds of the PostgreSQL cluster so far: its postmaster with the backends it reaped,
    and the processes still running under it (Linux /proc)."""
    postmaster = int((server.root / "data" / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile (its time is in the postmaster's now)
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += sum(int(f) for f in fields[11:13])
    return total / _TICK


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot, every core (/proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / _TICK, sum(fields[:8]) / _TICK


def feed_xml(feed: int, items: int) -> bytes:
    # feed f's entries are dated f days after 2000-01-01: a new item is compared (for stories
    # across languages) with the stored items of a week around its date; with every item on
    # the same days that read grows with all that is stored (a cost of story assignment, not
    # of the fleet, measured by bench_storage and bench_stories), so here it stays small
    day = datetime(2000, 1, 1, 4, 30, tzinfo=UTC) + timedelta(days=feed)
    entries = "".join(
        f"<item><title>Kazakhstan and the EU agree on lithium, story {feed}-{n}</title>"
        f"<link>http://example.test/{feed}/{n}</link><guid>f{feed}-{n}</guid>"
        f"<pubDate>{format_datetime(day + timedelta(minutes=n), usegmt=True)}</pubDate>"
        f"<description>Astana and Brussels signed a memorandum on critical raw materials ({feed}-{n}).</description></item>"
        for n in range(items)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Outlet {feed}</title>"
        f"<link>http://example.test/</link><description>d</description><language>en</language>{entries}"
        "</channel></rss>"
    ).encode()


def serve(feeds: int, sites: int, items: int) -> LoopbackSites:
    pages: list[dict[str, tuple[bytes, str, str | None]]] = [{} for _ in range(sites)]
    for f in range(feeds):
        pages[f % sites][f"/feeds/{f}.xml"] = (feed_xml(f, items), "application/rss+xml", f'"feed-{f}"')
    return LoopbackSites(pages)


def write_project(folder: Path, url: str, sites: LoopbackSites, feeds: int, site_count: int) -> None:
    lines = [
        f'database = "{url}"',
        "[fetch]",
        "per_host_concurrency = 2",
        "min_delay = 0.05",
        "allow_private = [" + ", ".join(f'"{entry}"' for entry in sites.allow_private) + "]",
        'contact_url = "mailto:bench@example.org"',
    ]
    for f in range(feeds):
        lines += [
            "[[sources]]",
            f'name = "f{f}"',
            'type = "rss"',
            "full_content = false",  # the entries' links are not fetched (example.test)
            f'url = "{sites.base_url(f % site_count)}/feeds/{f}.xml"',
        ]
    (folder / "kzfeed.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def sql(server: pgserver.PgServer, database: str, query: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={server.port} user={pgserver.USER} dbname={database}") as conn:
        cursor = conn.execute(query)  # type: ignore[arg-type]
        return list(cursor.fetchall()) if cursor.description else []


def one(
    server: pgserver.PgServer, sites: LoopbackSites, args: argparse.Namespace, workers: int
) -> dict[str, object]:
    url = server.create_database()
    database = url.rsplit("/", 1)[1]
    folder = Path(tempfile.mkdtemp(prefix=f"bench-fleet-{workers}-"))
    try:
        write_project(folder, url, sites, args.feeds, args.sites)
        subprocess.run(
            [sys.executable, "-c", WORKER, "db", "upgrade"], cwd=folder, check=True, capture_output=True
        )
        sql(server, database, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        sql(server, database, "SELECT pg_stat_statements_reset()")
        requests_before = sites.requests
        pg_before, (busy_before, all_before) = postgres_cpu(server), machine_cpu()
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, "-q", "ingest"],
                cwd=folder,
                env={**os.environ, "KZFEED_WORKER": f"w{n}"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(workers)
        ]
        rss, cpu = [], []
        for proc in procs:
            _, err = proc.communicate()
            lines = err.strip().splitlines()
            if proc.returncode not in (0, 1) or len(lines) > 1:  # 1: some source failed
                print(f"worker exit {proc.returncode}: " + "\n".join(lines[-5:]), file=sys.stderr)
            usage = lines[-1].split()
            rss.append(int(usage[1]) / 1024)
            cpu.append(float(usage[3]))
        wall = time.perf_counter() - start
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        busy_after, all_after = machine_cpu()
        time.sleep(0.5)  # the backends of the workers' connections end and are reaped
        postgres = postgres_cpu(server) - pg_before
        # the sites' server is a thread of this process (which otherwise waits)
        server_cpu = (self_after.ru_utime + self_after.ru_stime) - (
            self_before.ru_utime + self_before.ru_stime
        )
        busy = busy_after - busy_before
        requests = sites.requests - requests_before
        stored = sql(server, database, "SELECT count(DISTINCT source), count(*) FROM items")[0]
        statements = sql(
            server,
            database,
            "SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            f"WHERE d.datname = '{database}'",
        )
        claims = sum(int(c) for q, c in statements if "SKIP LOCKED" in str(q).upper() and "sources" in str(q))
        turns = sum(
            int(c)
            for q, c in statements
            if any(t in str(q) for t in ("host_gates", "host_turns", "host_turn("))
        )
        total = sum(int(c) for _, c in statements)
        return {
            "workers": workers,
            "wall_s": round(wall, 2),
            "sources_per_s": round(args.feeds / wall, 1),
            "sources_stored": stored[0],
            "items_stored": stored[1],
            "requests": requests,
            "claim_statements_per_source": round(claims / args.feeds, 3),
            "host_turn_statements_per_request": round(turns / max(requests, 1), 2),
            "statements_per_source": round(total / args.feeds, 1),
            "peak_rss_mb": [round(r, 1) for r in rss],
            "workers_cpu_s": round(sum(cpu), 1),
            "workers_cpu_ms_per_source": round(1000 * sum(cpu) / args.feeds, 1),
            "server_cpu_s": round(server_cpu, 1),
            "postgres_cpu_s": round(postgres, 1),
            "postgres_cpu_ms_per_source": round(1000 * postgres / args.feeds, 1),
            # everything else that ran on the machine meanwhile (other work on a shared machine)
            "other_cpu_s": round(busy - sum(cpu) - server_cpu - postgres, 1),
            "machine_busy": round(busy / (all_after - all_before), 2),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--items", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    root = REPO / ".pg" / f"bench-fleet-{os.getpid()}"
    server = pgserver.start(root, options="-c shared_preload_libraries=pg_stat_statements")
    if isinstance(server, str):
        raise SystemExit(f"no PostgreSQL: {server}")
    results = []
    try:
        with serve(args.feeds, args.sites, args.items) as sites:
            for workers in args.workers:
                result = one(server, sites, args, workers)
                results.append(result)
                print(json.dumps(result), flush=True)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    base = results[0]["sources_per_s"]
    print(f"\n{args.feeds} feeds on {args.sites} loopback sites, {os.cpu_count()} CPU cores")
    print(
        "workers  wall s  sources/s  ratio  claims/source  turn stmts/request  stmts/source  "
        "CPU ms/source: workers  postgres  server  other  machine busy  peak RSS MB"
    )
    for r in results:
        ratio = float(r["sources_per_s"]) / float(base)  # type: ignore[arg-type]
        per_source = {k: 1000 * float(r[f"{k}_cpu_s"]) / args.feeds for k in ("server", "other")}  # type: ignore[arg-type]
        print(
            f"{r['workers']:>7}  {r['wall_s']:>6}  {r['sources_per_s']:>9}  {ratio:>5.2f}  "
            f"{r['claim_statements_per_source']:>13}  {r['host_turn_statements_per_request']:>18}  "
            f"{r['statements_per_source']:>12}  {r['workers_cpu_ms_per_source']:>22}  "
            f"{r['postgres_cpu_ms_per_source']:>8}  {per_source['server']:>6.1f}  {per_source['other']:>5.1f}  "
            f"{float(r['machine_busy']):>12.0%}  {', '.join(str(x) for x in r['peak_rss_mb'])}"  # type: ignore[attr-defined, arg-type]
        )


if __name__ == "__main__":
    main()
