"""The configuration: reading and checking ``kzfeed.toml``, the built-in default, editing the file in place."""

from __future__ import annotations

from kzfeed.config._edit import add_sources, remove_source
from kzfeed.config._load import (
    DEFAULT_CONFIG_NAME,
    Config,
    FetchConfig,
    SourceConfig,
    find_config_path,
    load_config,
)

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "Config",
    "FetchConfig",
    "SourceConfig",
    "add_sources",
    "find_config_path",
    "load_config",
    "remove_source",
]
