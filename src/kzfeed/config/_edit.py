"""Adding sources to the config file while keeping the rest of it as written (tomlkit)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kzfeed.config._load import SourceConfig, default_config, load_config
from kzfeed.errors import ConfigError

__all__ = ["add_sources"]


def add_sources(path: Path, tables: Sequence[Mapping[str, Any]]) -> None:
    """Append ``[[sources]]`` tables to the config file at ``path`` (created when missing).

    Comments, order and formatting of the rest of the file are kept. A file without
    ``[[sources]]`` used the built-in ``seeds`` source; it is written out first so that it
    stays. The new file is checked like any config before it replaces the old one."""
    import tomlkit  # lazy: only this command writes TOML

    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {str(path)!r} cannot be read: {exc}") from exc
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
    new_text = tomlkit.dumps(document)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new_text)
        load_config(tmp)  # never leave a config kzfeed cannot read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _table(source: SourceConfig) -> Any:
    import tomlkit

    table = tomlkit.table()
    table.add("name", source.name)
    table.add("type", source.type)
    for key, value in source.options.items():
        table.add(key, value)
    return table
