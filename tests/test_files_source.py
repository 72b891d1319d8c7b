"""The ``files`` source reads its folder and nothing else: links out of it, huge files and file
names that are not UTF-8 are each handled with a warning, and the other files are stored."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.config._load import load_config
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]
ARTICLE = "Kazakhstan and the EU sign a raw materials deal\n\nAstana and Brussels agreed on lithium.\n"


def _stored(source: str = "seeds") -> dict[str, str]:
    store = open_store(load_config(None).database)
    try:
        return {i.guid: i.title for i in store.items(relevant=None, source=source)}
    finally:
        store.close()


def test_a_link_out_of_the_folder_is_not_followed(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    secret = project / "private" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("Notes kept by the operator of this server\n\nThe operator's secrets, root:x:0:0.\n")
    (project / "seeds" / "passwd.txt").symlink_to(secret)
    (project / "seeds" / "etc").symlink_to(secret.parent, target_is_directory=True)
    write_config('[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\nrecursive = true\n')
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "passwd.txt: a link to " in result.stderr and "outside the folder; file skipped" in result.stderr
    assert "follow_symlinks = true" in result.stderr
    stored = _stored()
    assert len(stored) == 5 and not any("passwd" in guid for guid in stored)
    assert "secrets" not in (project / "public" / "feed.atom").read_text()

    # the operator who wants it says so
    write_config(
        '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\nrecursive = true\nfollow_symlinks = true\n'
    )
    assert kzfeed("run").exit_code == 0
    assert {"passwd.txt", "etc/passwd.txt"} <= set(_stored())


def test_a_file_over_the_size_limit_is_skipped_with_a_warning(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    big = project / "seeds" / "huge.txt"
    big.write_text(ARTICLE + ("Astana and Brussels agreed on lithium. " * 40 + "\n\n") * 400)
    write_config('[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\nmax_bytes = 100000\n')
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "huge.txt: larger than the limit of 100,000 bytes; file skipped" in result.stderr
    assert len(_stored()) == 5 and "huge.txt" not in _stored()


def test_the_default_size_limit_keeps_a_six_megabyte_file_out(tmp_path: Path) -> None:
    from kzfeed.default_plugins.files import DEFAULT_MAX_BYTES, FilesSource
    from kzfeed.testing import run_source

    (tmp_path / "ok.txt").write_text(ARTICLE)
    paragraph = "Astana and Brussels agreed on lithium and rare earths. " * 20 + "\n\n"
    (tmp_path / "huge.txt").write_text(ARTICLE + paragraph * (6_000_000 // len(paragraph)))
    assert (tmp_path / "huge.txt").stat().st_size > DEFAULT_MAX_BYTES == 5_000_000
    items = run_source(FilesSource("f", {"path": str(tmp_path)}), root=tmp_path)
    assert [i.guid for i in items] == ["ok.txt"]


@pytest.mark.skipif(os.uname().sysname == "Darwin", reason="macOS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_read_and_named(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    name = os.path.join(os.fsencode(project / "seeds"), b"caf\xe9-astana.txt")
    with open(name, "wb") as fh:
        fh.write(ARTICLE.replace("sign a raw", "sign another raw").encode())
    result = kzfeed("run")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "seeds: 6 new" in result.stdout
    assert _stored()["caf\\xe9-astana.txt"] == "Kazakhstan and the EU sign another raw materials deal"
