"""How many processes a worker extracts article pages with: ``[fetch] extract_processes``, else
this machine's cores shared by the kzfeed workers working on it, at least one."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from kzfeed.articles import ArticleExtractor
from kzfeed.config import load_config
from kzfeed.errors import ConfigError, InputError
from kzfeed.ops import extract_processes
from kzfeed.storage import open_store


def config_with(project: Path, database_url: str, fetch: str = ""):  # type: ignore[no-untyped-def]
    (project / "kzfeed.toml").write_text(f'database = "{database_url}"\n[fetch]\n{fetch}\n', encoding="utf-8")
    return load_config(project / "kzfeed.toml")


def test_the_setting_wins(project: Path, database_url: str) -> None:
    config = config_with(project, database_url, "extract_processes = 3")
    with open_store(database_url) as store:
        assert extract_processes(config, store) == 3


def test_sqlite_uses_every_core(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    url = f"sqlite:///{tmp_path / 'kzfeed.db'}"
    with open_store(url) as store:
        assert extract_processes(config_with(project, url), store) == 8


@pytest.mark.postgres
def test_the_cores_are_shared_by_the_workers_on_this_host(
    project: Path, pg_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    url = pg_server.create_database()  # type: ignore[attr-defined]
    config = config_with(project, url)
    with open_store(url) as store:
        count = extract_processes(config, store)
        assert callable(count)  # asked when the first page needs a process, not before
        store.register_worker("w1:1", [])
        assert count() == 4
        store.register_worker("w2:2", [])
        assert count() == 2
        store.register_worker("w3:3", [])
        assert count() == 1  # 4 // 3
        for n in range(4, 9):
            store.register_worker(f"w{n}:{n}", [])
        assert count() == 1  # never fewer than one
        store.unregister_worker("w1:1")
        store.unregister_worker("w2:2")


def test_the_extractor_asks_once_when_first_needed() -> None:
    asked = []

    def count() -> int:
        asked.append(1)
        return 1

    with ArticleExtractor(count) as extract:
        assert asked == []
        for url in (
            "http://example.org/a",
            "http://example.org/b",
        ):  # a page with no article is an answer too
            with contextlib.suppress(InputError):
                extract("<html><body><p>Kazakhstan and the EU.</p></body></html>", url=url)
        assert extract.processes == 1
    assert asked == [1]


def test_a_negative_setting_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match="extract_processes"):
        config_with(project, "sqlite:///var/kzfeed.db", "extract_processes = -1")


_PREPARE = """
import multiprocessing, os, sys
from multiprocessing import forkserver
from kzfeed.articles import ArticleExtractor

server = forkserver._forkserver
with ArticleExtractor(1) as alone:
    alone.prepare()  # one process: extraction happens in this one, nothing to start
assert server._forkserver_pid is None, "a fork server for one process"
with ArticleExtractor(2) as extract:
    extract.prepare()
    pid = server._forkserver_pid
    assert pid is not None, "prepare() started no fork server"
    os.kill(pid, 0)  # running
    assert multiprocessing.active_children() == [], "prepare() waited for the workers"
    extract.prepare()  # once
    page = "<html><head><title>EU and Kazakhstan</title></head><body><article>"
    page += "<p>The European Union and Kazakhstan signed a roadmap on raw materials.</p>" * 8
    article = extract(page + "</article></body></html>", url="https://news.example/a")
    assert article.paragraphs, article
    assert server._forkserver_pid == pid, "a second fork server"
print("ok")
"""


def test_the_extraction_processes_can_be_readied_before_the_first_page(tmp_path: Path) -> None:
    # the pages' source asks while it fetches them: the server imports trafilatura meanwhile
    import subprocess
    import sys

    got = subprocess.run(
        [sys.executable, "-c", _PREPARE], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == "ok"
