"""The same code on SQLite and PostgreSQL: the same seeds give the same feeds, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import CliResult

Kz = Callable[..., CliResult]


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.postgres
def test_the_same_seeds_give_the_same_feeds_on_both_databases(
    kzfeed: Kz, project: Path, pg_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # undated seeds are dated by when kzfeed first saw them: the same moment for both runs
    seen = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr("kzfeed.pipeline._run._now", lambda: seen)
    (project / "kzfeed.toml").write_text('output_dir = "public-sqlite"\n', encoding="utf-8")
    assert kzfeed("run").exit_code == 0
    url = pg_server.create_database()  # type: ignore[attr-defined]
    (project / "kzfeed.toml").write_text(f'database = "{url}"\noutput_dir = "public-pg"\n', encoding="utf-8")
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "seeds: 5 new" in result.stdout
    on_sqlite, on_pg = files(project / "public-sqlite"), files(project / "public-pg")
    assert len(on_pg) > 10
    assert on_pg == on_sqlite
