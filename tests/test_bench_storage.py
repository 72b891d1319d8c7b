"""``benchmarks/bench_storage.py``'s timing of the story counts, next to any baseline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_storage  # the benchmarks folder is not a package

from kzfeed.storage import open_store


def test_the_story_counts_of_a_version_without_them_are_left_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make bench` compares with 019a83d, whose store counts no stories: the timing crashed there
    class OlderStore:
        def close(self) -> None:
            pass

    monkeypatch.setattr("kzfeed.storage.open_store", lambda url: OlderStore())
    bench_storage.time_counts("sqlite:///older.db")
    assert capsys.readouterr().out.split() == ["none"]


def test_the_story_counts_are_timed_in_milliseconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'kzfeed.db'}"
    open_store(url).close()
    bench_storage.time_counts(url)
    assert float(capsys.readouterr().out.split()[-1]) >= 0
