"""Fixtures: one clean reference server per test session (per xdist worker), and faulty ones on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from spry_helpers import Spry

from conformance.reference import ReferenceServer, ServerSettings


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


@pytest.fixture
def make_spry() -> Iterator[Callable[..., Spry]]:
    """Start a server with the given ServerSettings keywords; stopped after the test."""
    started: list[tuple[ReferenceServer, Spry]] = []

    def make(**settings: Any) -> Spry:
        server = ReferenceServer(ServerSettings(**settings)).start()
        helper = Spry(server)
        started.append((server, helper))
        return helper

    yield make
    for server, helper in started:
        helper.close()
        server.stop()
