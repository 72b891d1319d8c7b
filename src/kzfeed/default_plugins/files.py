"""The ``files`` source type: articles saved as files in a folder (``.txt``, ``.md``, ``.html``).

Example::

    [[sources]]
    name = "seeds"
    type = "files"
    path = "seeds"          # relative to the config file's folder
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from kzfeed.articles import ARTICLE_SUFFIXES, read_article
from kzfeed.errors import InputError, SourceError
from kzfeed.hookspecs import hookimpl
from kzfeed.models import RawItem
from kzfeed.sources import SourceContext, check_options


class FilesSource:
    """Reads every article file in a folder. A file that cannot be read is a warning, not a failure."""

    type_name: ClassVar[str] = "files"
    options: ClassVar[dict[str, str]] = {
        "path": "folder of article files (.txt, .md, .html), relative to the config file",
        "recursive": "also read sub-folders (default false)",
        "exclude": "glob patterns of file names to skip (default none)",
        "outlet": "outlet to record when an article names none (default none)",
    }
    example_config: ClassVar[dict[str, Any]] = {"path": "seeds"}

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        check_options(
            f"source {name!r}",
            options,
            {"path": str, "recursive": bool, "exclude": list, "outlet": str},
            required=("path",),
        )
        self.name = name
        self.path = Path(str(options["path"]))
        self.recursive = bool(options.get("recursive", False))
        self.exclude = [str(p) for p in options.get("exclude", [])]
        self.outlet = options.get("outlet")

    def _files(self, root: Path) -> list[Path]:
        pattern = "**/*" if self.recursive else "*"
        return sorted(
            p
            for p in root.glob(pattern)
            if p.is_file()
            and p.suffix.lower() in ARTICLE_SUFFIXES
            and not p.name.startswith(".")
            and not any(fnmatch.fnmatch(p.name, pat) for pat in self.exclude)
        )

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        root = self.path if self.path.is_absolute() else ctx.root / self.path
        if not root.is_dir():
            raise SourceError(self.name, f"folder {str(root)!r} not found; check the source's 'path'")
        for file in self._files(root):
            rel = file.relative_to(root).as_posix()
            try:
                kind = ARTICLE_SUFFIXES[file.suffix.lower()]
                article, warning = read_article(file.read_bytes(), name=rel, kind=kind)
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
            yield article.raw_item(guid=rel, outlet=article.outlet or self.outlet)


@hookimpl
def register_sources(register: Any) -> None:
    register("files", FilesSource)
