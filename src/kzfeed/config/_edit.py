"""Adding sources to the config file while keeping the rest of it as written (tomlkit)."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kzfeed.config._load import SourceConfig, default_config, load_config
from kzfeed.errors import ConfigError

__all__ = ["add_sources", "remove_source"]

_HEADER = re.compile(r"^\s*\[")
_SOURCES_HEADER = re.compile(r"^\s*\[\[\s*sources\s*\]\]")


def add_sources(path: Path, tables: Sequence[Mapping[str, Any]]) -> None:
    """Append ``[[sources]]`` tables to the config file at ``path`` (created when missing).

    Comments, order and formatting of the rest of the file are kept. A file without
    ``[[sources]]`` used the built-in ``seeds`` source; it is written out first so that it
    stays. The new file is checked like any config before it replaces the old one."""
    import tomlkit  # lazy: only this command writes TOML

    try:
        document = tomlkit.parse(_read(path) if path.exists() else "")
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    existing = document.get("sources")
    if existing is None:
        existing = tomlkit.aot()
        for source in default_config(path.parent).sources:
            existing.append(_table(source))
        document.append("sources", existing)
    for table in tables:
        item = tomlkit.table()
        for key, value in table.items():
            item.add(key, value)
        existing.append(item)
    _write_checked(path, _set_apart(tomlkit.dumps(document), [str(t["name"]) for t in tables]))


def _set_apart(text: str, names: Sequence[str]) -> str:
    """A blank line above each new table, so that a comment block just before it (such as
    outlets commented out) stays a block of its own, and is not taken for the table's."""
    lines = text.splitlines(keepends=True)
    for name in names:
        found = _table_lines(lines, name)
        if found is not None and found[0] > 0 and lines[found[0] - 1].strip():
            lines.insert(found[0], "\n")
    return "".join(lines)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} cannot be read: {exc}") from exc


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc


def _write_checked(path: Path, new_text: str) -> None:
    """Replace the file with ``new_text`` once it reads as a valid config, never half-written."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        load_config(tmp)  # never leave a config kzfeed cannot read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_source(path: Path, name: str) -> None:
    """Take the ``[[sources]]`` table named ``name`` out of the config file at ``path``, with
    the comment lines right above it; every other line stays as written.

    The file is edited as lines (tomlkit ties a comment to the table before it, not to the one
    it describes), then read back: what is left must be the same config less that source."""
    text = _read(path)
    before = _parse(path, text)
    lines = text.splitlines(keepends=True)
    span = _source_span(lines, name)
    if span is None:
        names = ", ".join(str(s.get("name")) for s in before.get("sources", []) if isinstance(s, dict))
        raise ConfigError(f"{path} has no [[sources]] table named {name!r} (sources: {names or 'none'})")
    start, end = span
    new_text = "".join(lines[:start] + lines[end:])
    after = _parse(path, new_text)
    expected = dict(before)
    expected["sources"] = [s for s in before["sources"] if s.get("name") != name]
    if not expected["sources"]:
        raise ConfigError(
            f"{name!r} is the only source of {path}; a config with none reads seeds/ instead. "
            "Add another source first, or set enabled = false on this one"
        )
    if after != expected:
        raise ConfigError(f"{name!r} cannot be taken out of {path} line by line; edit the file by hand")
    _write_checked(path, new_text)


def _source_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """The lines ``[start, end)`` of the source's table, its comment just above and one blank
    line after it; comments after its last key belong to what follows."""
    found = _table_lines(lines, name)
    if found is None:
        return None
    start, end = found
    while end > start + 1 and (not lines[end - 1].strip() or _is_comment(lines[end - 1])):
        end -= 1
    after = end  # commented-out keys right under its last one are its own
    while after < len(lines) and _is_comment(lines[after]):
        after += 1
    if after == len(lines) or not lines[after].strip():
        end = after
    while start > 0 and _is_comment(lines[start - 1]):
        start -= 1
    if end < len(lines) and not lines[end].strip():
        end += 1
    elif start > 0 and not lines[start - 1].strip():
        start -= 1
    return start, end


def _table_lines(lines: list[str], name: str) -> tuple[int, int] | None:
    """From the ``[[sources]]`` header of the source ``name`` to the next table's header."""
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    for k, start in enumerate(headers):
        end = headers[k + 1] if k + 1 < len(headers) else len(lines)
        if not _SOURCES_HEADER.match(lines[start]):
            continue
        try:
            table = tomllib.loads("".join(lines[start:end]))["sources"][0]
        except (tomllib.TOMLDecodeError, KeyError, IndexError):
            continue
        if table.get("name") == name:
            return start, end
    return None


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _table(source: SourceConfig) -> Any:
    import tomlkit

    table = tomlkit.table()
    table.add("name", source.name)
    table.add("type", source.type)
    for key, value in source.options.items():
        table.add(key, value)
    return table
