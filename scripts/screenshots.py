"""Render the seeds (and the sample story reported three times) with kzfeed and take headless
Chromium screenshots of the pages at 390 px and 1280 px wide, light and dark.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]     # default: docs/screenshots

It runs ``kzfeed run`` in a temporary project, so it needs kzfeed installed (``make run``
does it) and Debian's Chromium (``make .venv/.subscribers`` installs it). No network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KZFEED = Path(sys.executable).parent / "kzfeed"
WIDTHS = {"phone": (390, 1500), "desktop": (1280, 1100)}
CONFIG = """\
base_url = "http://127.0.0.1:8080/"
[[sources]]
name = "seeds"
type = "files"
path = "seeds"
[[sources]]
name = "news"
type = "files"
path = "news"
"""
EMPTY_CONFIG = (
    'base_url = "http://127.0.0.1:8080/"\n[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
)


def chromium() -> str:
    browser = shutil.which("chromium")
    if browser is None:
        sys.exit("screenshots: chromium not found; install Debian's chromium (make .venv/.subscribers)")
    return browser


def shoot(url: str, png: Path, size: tuple[int, int], dark: bool, profile: Path) -> None:
    """One screenshot of ``url``, ``size`` wide and high, in the light or dark colour scheme."""
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={png}",
    ]
    if dark:  # pages follow prefers-color-scheme; this makes Chromium report "dark"
        flags.append("--blink-settings=preferredColorScheme=0")
    done = subprocess.run([chromium(), *flags, url], capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not png.is_file():
        sys.exit(f"screenshots: chromium failed on {url}: {done.stderr[-500:]}")


def render(project: Path, config: str, *, run: bool = True) -> Path:
    """``kzfeed run`` (or only ``render``) in ``project``; returns its public/ folder."""
    project.mkdir(parents=True)
    shutil.copytree(REPO / "seeds", project / "seeds")
    shutil.copytree(
        REPO / "tests" / "data" / "stories", project / "news", ignore=shutil.ignore_patterns("labelled")
    )
    (project / "kzfeed.toml").write_text(config, encoding="utf-8")
    subprocess.run([str(KZFEED), "-q", "run" if run else "render"], cwd=project, check=True)
    return project / "public"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kzfeed-shots-") as tmp:
        base = Path(tmp)
        public = render(base / "site", CONFIG)
        story = max((public / "stories").glob("*.html"), key=lambda p: p.read_text().count("<h2>"))
        pages = {
            "index": public / "index.html",
            "topic": public / "topics" / "raw_materials.html",
            "story": story,
        }
        empty = render(base / "empty", EMPTY_CONFIG, run=False) / "index.html"
        shots: list[tuple[str, Path, str, bool]] = []
        for name, page in pages.items():
            for width in WIDTHS:
                for dark in (False, True):
                    shots.append((f"{name}-{width}-{'dark' if dark else 'light'}.png", page, width, dark))
        shots.append(("empty-phone-light.png", empty, "phone", False))
        for n, (file_name, page, width, dark) in enumerate(shots):
            shoot(page.as_uri(), out / file_name, WIDTHS[width], dark, base / f"profile-{n}")
            print(out / file_name)


if __name__ == "__main__":
    main()
