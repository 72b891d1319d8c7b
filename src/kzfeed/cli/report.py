"""What ``kzfeed run`` and ``kzfeed ingest`` say: per source, what reached the feeds and why
the rest did not, each error once; the exit code."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from kzfeed.cli.app import current_app as _app
from kzfeed.models import RunError, RunReport, SourceRun, SourceStatus

__all__ = ["exit_for", "print_errors", "print_report", "reason_group"]

#: left-out reasons named in the summary line; -v lists every item
_TOP_REASONS = 3
_PAREN = re.compile(r"\s*\([^)]*\)")


def reason_group(reason: str) -> str:
    """The gist of a classifier's reason, to count items by it: 'not relevant: EU with Russia,
    no Kazakhstan side (score 0.10)' -> 'no Kazakhstan side'."""
    gist = _PAREN.sub("", reason.removeprefix("not relevant:")).strip()
    gist = re.split(r"[,;] ", gist)[-1]
    gist = gist.split(" alongside ")[0]
    return gist or "no reason given"


def _json(report: RunReport, written: list[Path] | None, stopped: bool) -> dict[str, Any]:
    totals = {k: report.total(k) for k in ("new", "updated", "unchanged", "failed", "in_feeds")}
    totals["left_out"] = sum(len(s.left_out) for s in report.sources)
    return {
        "run_id": report.run_id,
        "started": report.started.isoformat(),
        "finished": report.finished.isoformat(),
        "ok": report.ok,
        "failed_sources": list(report.failed_sources),
        "totals": totals,
        "sources": [
            {
                "name": s.source,
                "status": s.status.value,
                "new": s.new,
                "updated": s.updated,
                "unchanged": s.unchanged,
                "failed": s.failed,
                "in_feeds": s.in_feeds,
                "left_out": [{"title": title, "reason": reason} for title, reason in s.left_out],
                "plugin_errors": [str(e) for e in s.plugin_errors],
                "warnings": list(s.warnings),
                "error": error.message if error else None,
                "error_kind": error.kind.value if error else None,
                "error_url": error.url if error else None,
                "http_status": s.http_status,
                "duration_s": round(s.duration_s, 3),
            }
            for s, error in ((s, RunError.of(s)) for s in report.sources)
        ],
        "written": [str(p) for p in written or []],
        "rendered": written is not None,
        "stopped": stopped,
    }


def print_errors(report: RunReport) -> None:
    """Each failed source and each plugin error, once, on stderr (also with -q: cron mails it)."""
    for s in report.sources:
        if s.status is SourceStatus.FAILED:
            click.echo(f"kzfeed: {s.source}: {s.error_message}", err=True)
        for message, times in Counter(str(e) for e in s.plugin_errors).items():
            more = f" ({times} items)" if times > 1 else ""
            click.echo(f"kzfeed: {s.source}: {message}{more}", err=True)


def _source_line(s: SourceRun) -> str | None:
    if s.status is SourceStatus.FAILED:
        return None  # said on stderr
    if s.status is SourceStatus.NOT_MODIFIED:
        return f"{s.source}: not modified since the last run"
    if s.status is SourceStatus.OK:
        extra = f", {len(s.warnings)} warning(s)" if s.warnings else ""
        counts = f"{s.new} new, {s.updated} updated, {s.unchanged} unchanged, {s.failed} failed"
        return f"{s.source}: {counts}{extra}"
    return f"{s.source}: {s.status.value}: {s.error_message}"


def _reached_feeds(report: RunReport, verbose: bool) -> None:
    """'new items: 119; 2 in the feeds, 117 left out: 110 no Kazakhstan side, ...'"""
    new = report.total("new")
    if not new:
        click.echo("new items: none")
        return
    left = [(s.source, title, reason) for s in report.sources for title, reason in s.left_out]
    line = f"new items: {new}; {report.total('in_feeds')} in the feeds, {len(left)} left out"
    if left:
        groups = Counter(reason_group(reason) for _, _, reason in left).most_common()
        named = ", ".join(f"{n} {gist}" for gist, n in groups[:_TOP_REASONS])
        more = f", {sum(n for _, n in groups[_TOP_REASONS:])} other" if len(groups) > _TOP_REASONS else ""
        line += f" ({named}{more})"
        if not verbose:
            line += "; -v lists them"
    click.echo(line)
    if verbose and left:
        click.echo("left out of the feeds:")
        for source, title, reason in left:
            click.echo(f"  {source}  {title}\n      {reason}")


def print_report(
    report: RunReport, as_json: bool, written: list[Path] | None = None, *, stopped: bool = False
) -> None:
    """The run's summary: JSON, or one line per source and what reached the feeds; with -q
    only the errors."""
    app = _app()
    if as_json:
        click.echo(json.dumps(_json(report, written, stopped), ensure_ascii=False, indent=2))
        print_errors(report)
        return
    print_errors(report)
    if app.quiet:
        return
    for s in report.sources:
        line = _source_line(s)
        if line is not None:
            click.echo(line)
    _reached_feeds(report, verbose=app.verbose > 0)
    if written is not None:
        click.echo(f"feeds: {len(written)} file(s) changed in {app.config.output_dir}")
    if stopped:
        click.echo("stopped by a signal; the next run does the remaining sources")


def exit_for(report: RunReport) -> None:
    """Exit 1 when a source failed or a process_item hook raised (both were said on stderr)."""
    if not report.ok or any(s.plugin_errors for s in report.sources):
        sys.exit(1)
