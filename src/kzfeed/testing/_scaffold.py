"""``kzfeed plugin new``: write a ready-to-install source plugin package from templates.

The templates are in ``scaffold_files/``; ``${name}`` placeholders are filled in with
:class:`string.Template`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from kzfeed.errors import InputError

__all__ = ["PluginNames", "new_plugin"]

_TEMPLATES = Path(__file__).parent / "scaffold_files"
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginNames:
    """The names one plugin is known by, all made from the source type name."""

    type_name: str  # astana-press: what kzfeed.toml names
    dist: str  # kzfeed-astana-press: what pip installs
    module: str  # kzfeed_astana_press: what Python imports
    class_name: str  # AstanaPressSource

    @classmethod
    def from_name(cls, name: str) -> PluginNames:
        type_name = name.strip().lower().removeprefix("kzfeed-")
        if not _NAME_RE.match(type_name):
            raise InputError(
                f"plugin name {name!r} cannot be used; use lower-case letters, digits and hyphens, "
                "starting with a letter, e.g. 'astana-press'"
            )
        words = type_name.split("-")
        return cls(
            type_name=type_name,
            dist=f"kzfeed-{type_name}",
            module="kzfeed_" + "_".join(words),
            class_name="".join(w.capitalize() for w in words) + "Source",
        )


def _layout(names: PluginNames) -> dict[str, str]:
    """``{path in the package: template}``."""
    return {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"src/{names.module}/__init__.py": "module.py.tmpl",
        f"src/{names.module}/fixtures/listing.html": "listing.html.tmpl",
        "tests/conftest.py": "conftest.py.tmpl",
        f"tests/test_{names.module}.py": "test_module.py.tmpl",
    }


def render_plugin(names: PluginNames) -> dict[str, str]:
    """The files of the package, ``{relative path: text}``."""
    values = {
        "type_name": names.type_name,
        "dist": names.dist,
        "module": names.module,
        "class_name": names.class_name,
    }
    return {
        path: Template((_TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)
        for path, template in _layout(names).items()
    }


def new_plugin(name: str, folder: Path | None = None) -> tuple[PluginNames, Path, list[Path]]:
    """Write the package of a new source plugin into ``folder`` (default ``./kzfeed-NAME``).

    Raises ``InputError`` for a bad name or a folder that already holds files (nothing is
    overwritten). Returns the names, the folder and the files written.
    """
    names = PluginNames.from_name(name)
    target = folder if folder is not None else Path(names.dist)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            f"{str(target)!r} already exists and is not an empty folder; "
            "choose another name or --dir, nothing was written"
        )
    written = []
    try:
        for rel, text in render_plugin(names).items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise InputError(
            f"cannot write the plugin into {str(target)!r}: {exc.strerror}; check --dir"
        ) from exc
    return names, target, written
