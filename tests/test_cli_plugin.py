"""``kzfeed plugin new``: the package it writes installs, passes its tests and ingests."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.testing._httpserver import LocalHTTPServer


def test_new_writes_a_package_with_entry_point_module_fixture_and_tests(
    kzfeed: Callable[..., CliResult], project: Path
) -> None:
    result = kzfeed("plugin", "new", "astana-press")
    assert result.exit_code == 0, result.stderr
    root = project / "kzfeed-astana-press"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "README.md",
        "pyproject.toml",
        "src/kzfeed_astana_press/__init__.py",
        "src/kzfeed_astana_press/fixtures/listing.html",
        "tests/conftest.py",
        "tests/test_kzfeed_astana_press.py",
    ]
    assert (
        '[project.entry-points.kzfeed]\nastana-press = "kzfeed_astana_press"'
        in (root / "pyproject.toml").read_text()
    )
    assert "check_source_contract" in (root / "tests/test_kzfeed_astana_press.py").read_text()
    assert "pip install -e" in result.stdout


def test_new_refuses_a_bad_name_and_an_existing_folder(
    kzfeed: Callable[..., CliResult], project: Path
) -> None:
    bad = kzfeed("plugin", "new", "Astana Press")
    assert bad.exit_code == 2
    assert "use lower-case letters, digits and hyphens" in bad.stderr
    (project / "taken").mkdir()
    (project / "taken" / "keep.txt").write_text("mine")
    taken = kzfeed("plugin", "new", "astana-press", "--dir", "taken")
    assert taken.exit_code == 2
    assert "already exists" in taken.stderr and "nothing was written" in taken.stderr
    assert [p.name for p in (project / "taken").iterdir()] == ["keep.txt"]


def _venv_with_kzfeed(where: Path) -> Path:
    """A new virtual environment that sees this one's packages (kzfeed and its deps), offline."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(site, "kzfeed_parent.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    return python


@pytest.mark.slow
def test_generated_plugin_installs_passes_its_tests_is_listed_and_ingests(tmp_path: Path) -> None:
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("KZFEED_CONFIG", None)
    kz = [sys.executable, "-m", "kzfeed"]
    pkg = tmp_path / "pkg"
    subprocess.run([*kz, "plugin", "new", "demo-news", "--dir", str(pkg)], check=True, env=env)
    python = _venv_with_kzfeed(tmp_path / "venv")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-e", f"{pkg}[test]"], check=True, env=env, capture_output=True)

    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=pkg,
        env=env,
        capture_output=True,
        text=True,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout

    cli = [str(python), "-m", "kzfeed"]
    listed = subprocess.run([*cli, "plugins"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert "demo-news  (entry point of kzfeed-demo-news)" in listed.stdout
    assert "source types: demo-news, files" in listed.stdout

    with LocalHTTPServer(root=pkg / "src" / "kzfeed_demo_news" / "fixtures") as server:
        (tmp_path / "kzfeed.toml").write_text(
            f'[[sources]]\nname = "demo"\ntype = "demo-news"\nurl = "{server.url("/listing.html")}"\n'
            "[fetch]\nexempt_loopback = true\nallow_private = ['127.0.0.1']\n"
        )
        run = subprocess.run([*cli, "run"], cwd=tmp_path, env=env, capture_output=True, text=True)
        article = server.url("/news/2025/03/kazakhstan-eu-raw-materials-roadmap")
    assert run.returncode == 0, run.stderr
    assert "demo: 3 new, 0 updated, 0 unchanged, 0 failed" in run.stdout
    feed = (tmp_path / "public" / "feed.atom").read_text()
    assert f'href="{article}"' in feed
