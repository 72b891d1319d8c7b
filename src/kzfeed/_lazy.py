"""Package namespaces whose names are imported when first used (PEP 562).

A stage package lists its public names once per module; ``import kzfeed.storage`` then costs
nothing, and ``kzfeed.storage.Store`` imports SQLAlchemy only when something asks for it. So
``kzfeed --help`` never loads the database, HTML extraction or the classifier. Packages also
import their names under ``TYPE_CHECKING`` so that type checkers see them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose names are ``{module: "name name ..."}``."""
    home = {name: module for module, names in where.items() for name in names.split()}

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)  # found at once next time
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__
