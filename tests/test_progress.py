"""On a terminal, `kzfeed run` shows which sources are being fetched, not only the last one
done; off a terminal (cron, a pipe) it shows no progress at all."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]

SLOW_PLUGIN = (
    "import time\n"
    "from kzfeed import hookimpl, RawItem\n"
    "class Slow:\n"
    "    type_name = 'slow'\n"
    "    def __init__(self, name, options):\n"
    "        self.name = name\n"
    "    def fetch(self, ctx):\n"
    "        time.sleep(3)\n"
    "        yield RawItem(guid='1', title='Kazakhstan and the EU on lithium', text='Astana and Brussels.')\n"
    "@hookimpl\n"
    "def register_sources(register):\n"
    "    register('slow', Slow)\n"
)


def _slow_project(project: Path, write_config: Callable[[str], Path]) -> None:
    (project / "plugins").mkdir()
    (project / "plugins" / "slow.py").write_text(SLOW_PLUGIN)
    write_config(
        '[[sources]]\nname = "slow-ministry"\ntype = "slow"\n'
        '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    )


def test_a_terminal_shows_the_source_being_fetched(
    project: Path, write_config: Callable[[str], Path]
) -> None:
    _slow_project(project, write_config)
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "160"}
    with subprocess.Popen(
        [*KZFEED, "run"],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    ) as run:
        os.close(follower)
        shown = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the run ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        os.close(leader)
        assert run.wait(timeout=60) == 0
    text = shown.decode(errors="replace")
    # while the slow source is fetched (3 s) the bar names it; the seeds finish long before
    assert "fetching slow-ministry" in text, text[-2000:]


def test_no_progress_off_a_terminal(project: Path, write_config: Callable[[str], Path]) -> None:
    _slow_project(project, write_config)
    done = subprocess.run([*KZFEED, "run"], cwd=project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "fetching" not in done.stderr and "Sources" not in done.stderr
