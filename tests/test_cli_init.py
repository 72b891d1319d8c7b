"""`kzfeed init`, the message where there is no config, and global options after the subcommand."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, CliResult
from kzfeed.config import load_config

Kz = Callable[..., CliResult]


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder outside the repository, with no config and no seeds, made the current one."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("KZFEED_CONFIG", raising=False)
    return folder


def test_init_writes_a_commented_config_and_the_first_run_works(kzfeed: Kz, empty_dir: Path) -> None:
    result = kzfeed("init", "news")
    assert result.exit_code == 0, result.stderr
    assert "next:" in result.stdout and "cd news" in result.stdout
    assert "kzfeed sources add" in result.stdout and "kzfeed run" in result.stdout
    text = (empty_dir / "news" / "kzfeed.toml").read_text(encoding="utf-8")
    assert text.count("\n# ") > 20  # it explains itself
    data = tomllib.loads(text)
    assert data["database"] == "sqlite:///var/kzfeed.db"
    assert data["output_dir"] == "public" and data["base_url"] == "http://127.0.0.1:8080/"
    assert data["sources"] == [{"name": "seeds", "type": "files", "path": "seeds"}]
    assert len(list((empty_dir / "news" / "seeds").glob("*.txt"))) == 5

    run = kzfeed("--config", "news/kzfeed.toml", "run")
    assert run.exit_code == 0, run.stderr
    assert "seeds: 5 new" in run.stdout
    assert (empty_dir / "news" / "public" / "feed.atom").is_file()
    assert (empty_dir / "news" / "var" / "kzfeed.db").is_file()


def test_the_outlets_in_the_config_are_those_of_the_docs_once_uncommented(
    kzfeed: Kz, empty_dir: Path
) -> None:
    assert kzfeed("init").exit_code == 0
    path = empty_dir / "kzfeed.toml"
    text = path.read_text(encoding="utf-8")
    outlets = text[text.index("# [[sources]]") :]
    path.write_text(text[: text.index("# [[sources]]")] + re.sub(r"(?m)^# ?", "", outlets), encoding="utf-8")
    config = load_config(path)
    by_name = {s.name: s for s in config.sources}
    assert list(by_name) == [
        "seeds",
        "astana-times",
        "kazinform-en",
        "euractiv",
        "eu-reporter-kazakhstan",
        "eeas-kazakhstan",
        "mfa-kz",
    ]
    docs = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    for source in config.sources[1:]:
        assert f'url = "{source.options["url"]}"' in docs, source.name


def test_init_does_not_overwrite_a_config(kzfeed: Kz, empty_dir: Path) -> None:
    (empty_dir / "kzfeed.toml").write_text('title = "mine"\n', encoding="utf-8")
    result = kzfeed("init")
    assert result.exit_code == 2
    assert "exists already" in result.stderr and "--force" in result.stderr
    assert (empty_dir / "kzfeed.toml").read_text(encoding="utf-8") == 'title = "mine"\n'


def test_run_with_no_config_and_no_seeds_says_to_run_init(kzfeed: Kz, empty_dir: Path) -> None:
    for command in ("run", "ingest"):
        result = kzfeed(command)
        assert result.exit_code == 2
        assert result.stderr == (
            "kzfeed: error: no kzfeed.toml here; run `kzfeed init` to write one "
            "(or give --config FILE, or set KZFEED_CONFIG)\n"
        )
        assert "path" not in result.stderr
    assert list(empty_dir.iterdir()) == []  # no var/ or public/ left behind


def test_config_verbose_and_quiet_after_the_subcommand(kzfeed: Kz, project: Path) -> None:
    (project / "other.toml").write_text(
        'output_dir = "elsewhere"\n[[sources]]\nname = "mine"\ntype = "files"\npath = "seeds"\n',
        encoding="utf-8",
    )
    quiet = kzfeed("run", "--config", "other.toml", "-q")
    assert quiet.exit_code == 0, quiet.stderr
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert (project / "elsewhere" / "feed.atom").is_file() and not (project / "public").exists()
    listed = kzfeed("sources", "--config", "other.toml")
    assert listed.stdout.splitlines()[1].split()[:3] == ["mine", "files", "ok"]
    verbose = kzfeed("items", "-v", "--config=other.toml", "--limit", "1")
    assert verbose.exit_code == 0 and len(verbose.stdout.splitlines()) == 1
    missing = kzfeed("sources", "export", "--config", "nope.toml")
    assert missing.exit_code == 2 and "nope.toml" in missing.stderr
