"""A full disk, a damaged database file, a bad database URL: one line that says what to do,
exit code 2 for configuration, and nothing stored is lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import CliResult
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]


def one_line(result: CliResult) -> str:
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "sqlalche.me" not in result.stderr
    return result.stderr


def test_a_damaged_database_file_is_one_line_and_left_as_it_was(kzfeed: Kz, project: Path) -> None:
    (project / "var").mkdir()
    damaged = os.urandom(64_000)
    (project / "var" / "kzfeed.db").write_bytes(damaged)
    for command in (["run"], ["status"], ["items"]):
        result = kzfeed(*command)
        assert result.exit_code == 1
        line = one_line(result)
        assert "kzfeed.db" in line and "damaged or not a kzfeed database" in line
        assert "restore it from a backup" in line
    assert (project / "var" / "kzfeed.db").read_bytes() == damaged


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nosuch://x", "cannot use database"),
        ("sqlite:////proc/no-such-folder/kzfeed.db", "cannot create the folder"),
        ("postgresql+nosuchdriver://u@h/x", "cannot use database"),
        ("::::", "is not a database URL"),
    ],
)
def test_a_bad_database_url_is_a_configuration_error(
    url: str, said: str, kzfeed: Kz, write_config: Write
) -> None:
    write_config(f'database = "{url}"\n')
    result = kzfeed("run")
    assert result.exit_code == 2
    line = one_line(result)
    assert said in line and ("config" in line or "sqlite:///" in line)


def test_an_unreachable_database_server_is_one_line(kzfeed: Kz, write_config: Write) -> None:
    pytest.importorskip("psycopg")
    write_config('database = "postgresql+psycopg://kzfeed@127.0.0.1:1/kzfeed?connect_timeout=2"\n')
    result = kzfeed("run")
    assert result.exit_code == 1
    line = one_line(result)
    assert "cannot connect to the database" in line and "server is running" in line


FULL_DISK = textwrap.dedent(
    """
    set -u
    mount -t tmpfs -o size=900k tmpfs var || exit 77
    kz() { "$PY" -c 'from kzfeed.cli import main; main()' "$@"; }
    kz run > out1.txt 2> err1.txt; echo "$?" > rc1
    for i in $(seq 1 30); do "$PY" -c "
    import random
    random.seed($i)
    words = 'Kazakhstan European Union lithium Astana Brussels cooperation energy transport'.split()
    print('EU and Kazakhstan talk $i'); print()
    print(' '.join(random.choice(words) for _ in range(2500)))" > seeds/extra-$i.txt; done
    kz run --all > out2.txt 2> err2.txt; echo "$?" > rc2
    cp var/kzfeed.db after.db; if [ -f var/kzfeed.db-wal ]; then cp var/kzfeed.db-wal after.db-wal; fi
    mount -o remount,size=20m var
    kz run --all > out3.txt 2> err3.txt; echo "$?" > rc3
    cp var/kzfeed.db final.db; if [ -f var/kzfeed.db-wal ]; then cp var/kzfeed.db-wal final.db-wal; fi
    """
)


def items_in(path: Path) -> list[tuple[str, str]]:
    store = open_store(f"sqlite:///{path}", migrate_schema=False)
    try:
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            return [tuple(r) for r in conn.execute(text("SELECT source, guid FROM items"))]
    finally:
        store.close()


@pytest.mark.slow
def test_a_full_disk_under_the_database_is_one_line_and_loses_nothing(project: Path) -> None:
    """The database lives on a 900 KB tmpfs (in a mount namespace of its own): the first run
    fits, the second (30 long seed files more) fills the disk, the third has room again."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a small tmpfs")
    (project / "var").mkdir()
    (project / "full.sh").write_text(FULL_DISK, encoding="utf-8")
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "full.sh"],
        cwd=project,
        env={**os.environ, "PY": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 or not (project / "rc3").exists():
        pytest.skip(f"cannot mount a tmpfs in a mount namespace here: {done.stderr.strip()[:200]}")
    rc = [int((project / f"rc{n}").read_text()) for n in (1, 2, 3)]
    err2 = (project / "err2.txt").read_text(encoding="utf-8")
    assert rc[0] == 0, (project / "err1.txt").read_text()
    assert rc[1] == 1
    assert err2.count("\n") == 1 and "Traceback" not in err2, err2
    assert "free some space" in err2
    before = items_in(project / "after.db")
    assert len(before) == 5  # what the first run stored is all there
    assert rc[2] == 0, (project / "err3.txt").read_text()
    final = items_in(project / "final.db")
    assert len(final) == len(set(final)) == 35  # everything, once
