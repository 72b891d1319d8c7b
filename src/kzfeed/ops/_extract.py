"""How many processes this worker extracts article pages with: ``[fetch] extract_processes``,
else this host's CPU cores shared by the kzfeed workers running on it, so that three workers on
one machine do not start three times its cores."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from kzfeed.config import Config
from kzfeed.storage import StoreProtocol

__all__ = ["extract_processes"]


def extract_processes(config: Config, store: StoreProtocol) -> int | Callable[[], int]:
    """The setting, or (0, the default) a function counting, when the first page needs a
    process, the live workers of this host in the database: cores ÷ workers, at least 1. With
    SQLite only one run works at a time: every core."""
    if config.fetch.extract_processes:
        return config.fetch.extract_processes
    cores = os.cpu_count() or 1
    if store.runs_exclusive:
        return cores
    host = socket.gethostname()

    def per_worker() -> int:
        return max(1, cores // max(1, store.workers_on_host(host, lease_seconds=config.ops.lease_seconds)))

    return per_worker
