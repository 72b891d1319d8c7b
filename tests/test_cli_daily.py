"""Daily use through the CLI: what reached the feeds, quiet runs, exit codes for monitors,
`serve` stopping on Ctrl-C, shell completion."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.ops._lock import acquire_run_lock
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]
KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]

OFF_BEAT = {
    "football.txt": "Astana derby ends in a draw\n\nThe two Astana football clubs drew one all on Sunday; "
    "Kazakhstan's league resumes next week with the cup quarter-finals in Almaty and Shymkent.",
    "weather.txt": "Storms expected over the Alps\n\nHeavy rain and snow are expected across the Alps this "
    "weekend, the forecasters said on Friday; mountain passes may close for a day.",
}
TWO_SOURCES = (
    '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    '[[sources]]\nname = "other"\ntype = "files"\npath = "other"\n'
)


def _off_beat(project: Path) -> None:
    (project / "other").mkdir()
    for name, text in OFF_BEAT.items():
        (project / "other" / name).write_text(text, encoding="utf-8")
    (project / "kzfeed.toml").write_text(TWO_SOURCES, encoding="utf-8")


def test_a_run_says_what_reached_the_feeds_and_why_the_rest_did_not(kzfeed: Kz, project: Path) -> None:
    _off_beat(project)
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("new items:")]
    assert line.startswith("new items: 7; 5 in the feeds, 2 left out (")
    assert "no Kazakhstan side" in line or "no EU side" in line
    assert line.endswith("; -v lists them")
    assert "Astana derby ends in a draw" not in result.stdout

    verbose = kzfeed("run", "--refetch", "-v")
    assert "new items: none" in verbose.stdout  # nothing new the second time
    (project / "var" / "kzfeed.db").unlink()
    listed = kzfeed("run", "-v")
    lines = listed.stdout.splitlines()
    start = lines.index("left out of the feeds:")
    titles = sorted(x.split("  ", 2)[2] for x in lines[start + 1 :: 2][:2])
    assert titles == ["Astana derby ends in a draw", "Storms expected over the Alps"]
    assert all(x.strip().startswith("not relevant:") for x in lines[start + 2 : start + 5 : 2])


def test_quiet_says_nothing_about_a_run_another_one_is_doing(kzfeed: Kz, project: Path) -> None:
    store = open_store(f"sqlite:///{project / 'var' / 'kzfeed.db'}")
    lock = acquire_run_lock(store, worker="w")
    try:
        result = kzfeed("run", "-q")
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    finally:
        lock.release()
        store.close()


def test_status_check_for_monitors(kzfeed: Kz, project: Path) -> None:
    never = kzfeed("status", "--check", "--max-age", "1h")
    assert never.exit_code == 1 and "no run has succeeded yet" in never.stderr
    assert kzfeed("run").exit_code == 0
    ok = kzfeed("status", "--check", "--max-age", "1h")
    assert (ok.exit_code, ok.stdout) == (0, "ok\n")
    assert kzfeed("status", "--check", "-q").stdout == ""
    (project / "kzfeed.toml").write_text(
        TWO_SOURCES.replace('path = "other"', 'path = "missing"'), encoding="utf-8"
    )
    assert kzfeed("run").exit_code == 1
    failing = kzfeed("status", "--check")
    assert failing.exit_code == 1
    assert failing.stderr.startswith("kzfeed: other: failing (1 in a row): source 'other': folder")
    assert kzfeed("status", "--max-age", "1h").exit_code == 2  # --max-age goes with --check


def test_plugins_exits_1_when_a_plugin_failed_to_load_and_says_it_once(kzfeed: Kz, project: Path) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "broken.py").write_text("import no_such_module_here\n", encoding="utf-8")
    result = kzfeed("plugins")
    assert result.exit_code == 1
    assert "files  (builtin)" in result.stdout
    assert "FAILED broken" in result.stdout and "no_such_module_here" in result.stdout
    assert "no_such_module_here" not in result.stderr


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("stop", "started_ignoring_ctrl_c"),
    [(signal.SIGINT, False), (signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "ctrl-c-in-a-background-job", "systemctl-stop"],
)
def test_serve_stops_on_ctrl_c_or_sigterm_with_exit_0_and_warns_when_base_url_is_elsewhere(
    project: Path, stop: signal.Signals, started_ignoring_ctrl_c: bool
) -> None:
    (project / "public").mkdir()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(  # a shell's background job starts with SIGINT ignored
        [*KZFEED, "serve", "--port", "0"],
        cwd=project,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint if started_ignoring_ctrl_c else None,
    )
    try:  # a failed assertion must not leave the test waiting for a server that never stops
        assert server.stderr is not None
        lines = [server.stderr.readline() for _ in range(2)]
        assert lines[0].startswith("serving ") and "(Ctrl-C stops)" in lines[0], lines
        assert lines[1].startswith("kzfeed: warning: base_url is http://127.0.0.1:8080/ but this serves"), (
            lines
        )
        server.send_signal(stop)
        assert server.wait(timeout=20) == 0
        rest = server.stderr.read()
        assert "Traceback" not in rest and "stopped serving" in rest
    finally:
        server.kill()
        server.wait()
        if server.stderr is not None:
            server.stderr.close()


def test_shell_completion_of_topics_and_source_names(kzfeed: Kz, project: Path) -> None:
    _off_beat(project)

    def complete(words: str) -> list[str]:
        env = {
            "_KZFEED_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
        }
        result = kzfeed(env=env)
        assert result.exit_code == 0, result.stderr
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert complete("kzfeed items --topic ra") == ["raw_materials"]
    assert complete("kzfeed run --source ") == ["seeds", "other"]
    assert complete("kzfeed sources remove o") == ["other"]
    assert complete("kzfeed sources rem") == ["remove"]


def test_an_empty_front_page_says_why_and_what_to_do(kzfeed: Kz, project: Path) -> None:
    _off_beat(project)
    only_off_beat = '[[sources]]\nname = "other"\ntype = "files"\npath = "other"\n'
    (project / "kzfeed.toml").write_text(only_off_beat, encoding="utf-8")
    assert kzfeed("run").exit_code == 0
    index = (project / "public" / "index.html").read_text(encoding="utf-8")
    assert "No story on the beat yet" in index and "kzfeed items --all" in index
    (project / "kzfeed.toml").unlink()
    assert kzfeed("run").exit_code == 0  # the seeds are on the beat
    assert "No story on the beat yet" not in (project / "public" / "index.html").read_text(encoding="utf-8")
