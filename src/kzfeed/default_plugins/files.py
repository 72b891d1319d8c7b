"""The ``files`` source type: articles saved as files in a folder (``.txt``, ``.md``, ``.html``).

Example::

    [[sources]]
    name = "seeds"
    type = "files"
    path = "seeds"          # relative to the config file's folder
    max_bytes = 5000000     # larger files are skipped with a warning
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from kzfeed.articles import ARTICLE_SUFFIXES, read_article
from kzfeed.errors import ConfigError, InputError, SourceError
from kzfeed.hookspecs import hookimpl
from kzfeed.models import RawItem
from kzfeed.sources import SourceContext, check_options

#: the largest article file read by default (an article of a million words is smaller)
DEFAULT_MAX_BYTES = 5_000_000


class FilesSource:
    """Reads every article file in a folder. A file that cannot be read is a warning, not a
    failure. Files are read only inside the folder (a link pointing out of it is skipped
    unless ``follow_symlinks`` says otherwise) and only up to ``max_bytes``."""

    type_name: ClassVar[str] = "files"
    options: ClassVar[dict[str, str]] = {
        "path": "folder of article files (.txt, .md, .html), relative to the config file",
        "recursive": "also read sub-folders (default false)",
        "exclude": "glob patterns of file names to skip (default none)",
        "outlet": "outlet to record when an article names none (default none)",
        "follow_symlinks": "read files and folders that links point to outside the folder (default false)",
        "max_bytes": f"skip files larger than this, with a warning (default {DEFAULT_MAX_BYTES:,})",
    }
    example_config: ClassVar[dict[str, Any]] = {"path": "seeds"}

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        check_options(
            f"source {name!r}",
            options,
            {
                "path": str,
                "recursive": bool,
                "exclude": list,
                "outlet": str,
                "follow_symlinks": bool,
                "max_bytes": int,
            },
            required=("path",),
        )
        self.name = name
        self.path = Path(str(options["path"]))
        self.recursive = bool(options.get("recursive", False))
        self.exclude = [str(p) for p in options.get("exclude", [])]
        self.outlet = options.get("outlet")
        self.follow_symlinks = bool(options.get("follow_symlinks", False))
        self.max_bytes = int(options.get("max_bytes", DEFAULT_MAX_BYTES))
        if self.max_bytes < 1:
            raise ConfigError(f"source {name!r}: key 'max_bytes' must be at least 1")

    def _files(self, root: Path) -> list[Path]:
        found = []
        seen: set[str] = set()  # folders read, by real path: links in a loop are read once
        for folder, dirs, names in os.walk(root, followlinks=self.follow_symlinks):
            real = os.path.realpath(folder)
            if not self.recursive or real in seen:
                dirs.clear()
                if real in seen:
                    continue
            seen.add(real)
            for file_name in names:
                path = Path(folder, file_name)
                if (
                    path.suffix.lower() in ARTICLE_SUFFIXES
                    and not file_name.startswith(".")
                    and not any(fnmatch.fnmatch(file_name, pat) for pat in self.exclude)
                ):
                    found.append(path)
        return sorted(found)

    def _read(self, file: Path, root: Path, rel: str, ctx: SourceContext) -> bytes | None:
        """The file's bytes, or None (with a warning) when it is not to be read."""
        if not self.follow_symlinks and not file.resolve().is_relative_to(root):
            ctx.warn(
                f"{rel}: a link to {_shown(str(file.resolve()))}, outside the folder; file skipped "
                "(set follow_symlinks = true to read such files)"
            )
            return None
        if not file.is_file():
            return None
        with file.open("rb") as fh:
            data = fh.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            ctx.warn(
                f"{rel}: larger than the limit of {self.max_bytes:,} bytes; file skipped "
                "(raise the source's max_bytes to read it)"
            )
            return None
        return data

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        root = self.path if self.path.is_absolute() else ctx.root / self.path
        if not root.is_dir():
            raise SourceError(self.name, f"folder {_shown(str(root))!r} not found; check the source's 'path'")
        root = root.resolve()
        for file in self._files(root):
            rel = _shown(file.relative_to(root).as_posix())
            try:
                data = self._read(file, root, rel, ctx)
                if data is None:
                    continue
                kind = ARTICLE_SUFFIXES[file.suffix.lower()]
                article, warning = read_article(data, name=rel, kind=kind)
                if warning:
                    ctx.warn(warning)
            except InputError as exc:
                ctx.warn(f"{exc}; file skipped")
                continue
            except OSError as exc:
                ctx.warn(f"{rel}: cannot be read ({exc.strerror}); file skipped")
                continue
            for note in article.notes:
                ctx.log.info("%s: %s", rel, note)
            yield article.with_guid(rel, outlet=article.outlet or self.outlet)


def _shown(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates, which
    cannot be stored or printed) written as ``\\xNN``, the same every run."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


@hookimpl
def register_sources(register: Any) -> None:
    register("files", FilesSource)
