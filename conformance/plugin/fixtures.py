"""The run's fixtures: the target, its one HTTP session, the clock, the fuzzing depth and the seed."""

from __future__ import annotations

import pytest

from conformance.config import Target
from conformance.http import Session
from conformance.plugin.start import connect
from conformance.run.clock import Clock
from conformance.run.state import RunState

STATE = pytest.StashKey[RunState]()


@pytest.fixture(scope="session")
def spry_run(request: pytest.FixtureRequest) -> RunState:
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("not a spry-conformance run")
    if state.session is None:  # an xdist worker connects when its first check needs the target
        connect(state, request.config)
    return state


@pytest.fixture(scope="session")
def target(spry_run: RunState) -> Target:
    """The server under test, as configured."""
    assert spry_run.target is not None
    return spry_run.target


@pytest.fixture(scope="session")
def http(spry_run: RunState) -> Session:
    """The run's one HTTP session (rate cap, budget, evidence, masking)."""
    assert spry_run.session is not None
    return spry_run.session


@pytest.fixture(scope="session")
def clock(spry_run: RunState) -> Clock:
    """Makes time pass for expiry checks: moved on the embedded server, waited for on a short-lived target."""
    assert spry_run.target is not None
    return Clock(spry_run.target, spry_run.server)


@pytest.fixture(scope="session")
def budget(spry_run: RunState) -> str:
    return spry_run.options.budget


@pytest.fixture(scope="session")
def run_seed(spry_run: RunState) -> int:
    return spry_run.options.seed
