"""A source's error stays the exception it was, with the library's error as its ``__cause__``,
from where it happened up to the command that prints it; it is made a string only where it
is printed or stored, and the line printed is the one it always was."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest import CliResult
from kzfeed.errors import FetchError, KzfeedError, SourceCrashed
from kzfeed.models import RunError, RunErrorKind, RunReport

Kz = Callable[..., CliResult]


@pytest.fixture
def reports(monkeypatch: pytest.MonkeyPatch) -> list[RunReport]:
    """The run reports the CLI's report printer is handed."""
    import kzfeed.cli.report as cli_report

    seen: list[RunReport] = []
    printer = cli_report.print_errors

    def keep(report: RunReport) -> None:
        seen.append(report)
        printer(report)

    monkeypatch.setattr(cli_report, "print_errors", keep)
    return seen


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there now: connecting is refused


def test_a_network_error_reaches_the_command_as_a_fetch_error_caused_by_httpx(
    kzfeed: Kz, write_config: Callable[[str], Path], reports: list[RunReport]
) -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}/feed.xml"
    write_config(
        f'[fetch]\nallow_private = ["127.0.0.1:{port}"]\n'
        f'[[sources]]\nname = "down"\ntype = "rss"\nurl = "{url}"\n'
    )
    result = kzfeed("run", "--json")
    (run,) = reports[-1].sources
    assert isinstance(run.error, FetchError) and isinstance(run.error, KzfeedError)
    assert isinstance(run.error.__cause__, httpx.ConnectError)
    # printed as it always was: one line, the source's name and the message that says what to do
    lines = [line for line in result.stderr.splitlines() if line.startswith("kzfeed: down: ")]
    assert lines == [f"kzfeed: down: {run.error}"]
    assert lines[0].startswith("kzfeed: down: source 'down': ")
    # and a string, with its kind, only in the JSON
    (source,) = json.loads(result.stdout)["sources"]
    assert (source["error"], source["error_kind"], source["error_url"]) == (str(run.error), "fetch", url)


def test_a_plugin_that_raises_reaches_the_command_as_a_crash_caused_by_its_exception(
    kzfeed: Kz, write_config: Callable[[str], Path], project: Path, reports: list[RunReport]
) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "broken.py").write_text(
        "import json\nfrom kzfeed import hookimpl\n"
        "class Broken:\n"
        "    def __init__(self, name, options):\n        self.name = name\n"
        "    def fetch(self, ctx):\n        json.loads('{not json')\n        yield from ()\n"
        "@hookimpl\ndef register_sources(register):\n    register('broken', Broken)\n"
    )
    write_config('[[sources]]\nname = "b"\ntype = "broken"\n')
    result = kzfeed("run")
    (run,) = reports[-1].sources
    assert isinstance(run.error, SourceCrashed)
    assert isinstance(run.error.__cause__, json.JSONDecodeError)
    expected = (
        "kzfeed: b: source 'b' (broken) crashed: JSONDecodeError: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    )
    assert expected in result.stderr.splitlines()
    record = RunError.of(run)
    assert record is not None and (record.kind, record.message) == (RunErrorKind.CRASH, str(run.error))
