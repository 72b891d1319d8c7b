"""The configuration: reading and checking ``kzfeed.toml``, the built-in default, editing the file in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.config._durations import parse_duration
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
    "parse_duration",
    "remove_source",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_durations": "parse_duration",
            "_edit": "add_sources remove_source",
            "_load": "DEFAULT_CONFIG_NAME Config FetchConfig SourceConfig find_config_path load_config",
        },
    )
