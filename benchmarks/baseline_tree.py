"""The source tree of an earlier commit, for benchmarks that run it next to this one."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

__all__ = ["REPO", "baseline_tree"]


@contextmanager
def baseline_tree(commit: str, where: Path) -> Iterator[Path]:
    """A ``git worktree`` of ``commit`` at ``where`` (removed afterwards); run its ``src`` with
    this virtualenv through ``PYTHONPATH``."""
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(where), commit],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield where
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(where)], check=False)
        shutil.rmtree(where, ignore_errors=True)
