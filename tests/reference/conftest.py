"""Fixtures: one clean reference server per test session (per xdist worker), and faulty ones on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from spry_helpers import Spry

from conformance.reference import ReferenceServer, ServerSettings


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_ERRORS = _Errors()
logging.getLogger("uvicorn.error").addHandler(_ERRORS)


@pytest.fixture(autouse=True)
def _no_server_errors() -> Iterator[None]:
    """Fail a test during which any reference server logged an error (an unhandled exception)."""
    _ERRORS.records.clear()
    yield
    assert not _ERRORS.records, [record.getMessage() for record in _ERRORS.records]


@pytest.fixture(scope="session")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(ServerSettings()) as running:
        yield running


@pytest.fixture
def spry(server: ReferenceServer) -> Iterator[Spry]:
    helper = Spry(server)
    yield helper
    helper.close()
    # Let every throttling window of this test pass, so failures never leak into the next test.
    server.clock.advance(61)


@pytest.fixture(scope="session")
def _server_pool() -> Iterator[list[ReferenceServer]]:
    """Servers started by ``make_spry``: all stopped together at the end (a stop takes ~0.2 s)."""
    pool: list[ReferenceServer] = []
    yield pool
    with ThreadPoolExecutor(max(1, len(pool))) as executor:
        list(executor.map(ReferenceServer.stop, pool))


@pytest.fixture
def make_spry(_server_pool: list[ReferenceServer]) -> Iterator[Callable[..., Spry]]:
    """Start a server with the given ServerSettings keywords (stopped at the end of the session)."""
    helpers: list[Spry] = []

    def make(**settings: Any) -> Spry:
        server = ReferenceServer(ServerSettings(**settings)).start()
        _server_pool.append(server)
        helpers.append(Spry(server))
        return helpers[-1]

    yield make
    for helper in helpers:
        helper.close()
