"""Shared fixtures: a project folder with the seeds, a config writer, the CLI in-process, and the
packaged keyword classifier.

The plugin test kit (``kzfeed.testing``, loaded by its pytest11 entry point) provides
``kzfeed_http``, ``run_source``, ``kzfeed_db``, ``kzfeed_host`` and ``frozen_clock``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from kzfeed.testing._httpserver import LocalHTTPServer

if TYPE_CHECKING:
    from kzfeed.classify import KeywordClassifier

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
HTTP_DATA = Path(__file__).resolve().parent / "data" / "http"


@pytest.fixture(scope="session")
def classifier() -> KeywordClassifier:
    """The packaged keyword classifier, built once for the whole run (it keeps no state a test changes)."""
    from kzfeed.classify import KeywordClassifier

    return KeywordClassifier.from_options({})


@pytest.fixture
def kzfeed_fixtures_dir() -> Path:
    """What the kit's ``kzfeed_http`` server serves in kzfeed's own tests."""
    return HTTP_DATA


@pytest.fixture
def http_server(kzfeed_http: LocalHTTPServer) -> LocalHTTPServer:
    """The kit's local server on ``tests/data/http`` (the name the fetcher tests use)."""
    return kzfeed_http


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh folder holding a copy of the seeds, made the current directory."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KZFEED_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def write_config(project: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "kzfeed.toml") -> Path:
        path = project / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def invoke(args: list[str], env: dict[str, str | None] | None = None) -> CliResult:
    """Run ``kzfeed ARGS`` in this process, as the console script would."""
    from kzfeed.cli import main

    runner = CliRunner()
    code = 0
    with runner.isolation(env=env) as (out, err, _):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return CliResult(code, stdout, stderr)


@pytest.fixture
def kzfeed(project: Path) -> Iterator[Callable[..., CliResult]]:
    """``kzfeed("run")`` runs the CLI in the project folder and returns exit code and output."""

    def run(*args: str, env: dict[str, str | None] | None = None) -> CliResult:
        return invoke(list(args), env=env)

    yield run


# --- PostgreSQL: a throwaway server for the tests that run on both databases -------------------


def pytest_report_header(config: pytest.Config) -> str:
    return "postgresql: a throwaway server under .pg/ is started for the 'postgres' tests when possible"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A PostgreSQL server on 127.0.0.1 for this session, or a skip that says why there is none."""
    import pgserver

    root = REPO / ".pg" / f"session-{os.getpid()}"  # two sessions at once do not share a cluster
    started = pgserver.start(root)
    if isinstance(started, str):
        pytest.skip(f"PostgreSQL tests skipped: {started}")
    try:
        yield started
    finally:
        started.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database on the local server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'kzfeed.db'}"
    server = request.getfixturevalue("pg_server")
    url: str = server.create_database()
    return url
