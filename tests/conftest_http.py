"""pytest fixtures around kzfeed's local HTTP server (``kzfeed.testing.httpserver``).

Load with ``pytest_plugins = ["conftest_http"]``. ``http_server`` serves ``tests/data/http``
on 127.0.0.1 and fails the test if the server itself raised while answering.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kzfeed.testing.httpserver import LocalHTTPServer

HTTP_DATA = Path(__file__).parent / "data" / "http"


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    """A running server for ``tests/data/http``; routes and recorded requests start empty."""
    with LocalHTTPServer(root=HTTP_DATA) as server:
        yield server
    assert not server.errors, f"the test HTTP server failed while answering: {server.errors!r}"
