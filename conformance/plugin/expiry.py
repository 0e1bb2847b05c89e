"""The expiry checks in a pytest run: where they are scheduled, when their tokens are obtained, the fixture.

On a remote target that the run may wait for (`run.expiry.may_wait`), every check marked `expiry(begin)`
gets its token or code at the start and its one probe at its deadline:

- one process: the expiry checks run last (before the `--aggressive` ones), and their tokens are obtained
  when the first check of the run starts, so the waits overlap the whole run;
- xdist: the expiry checks are one `xdist_group` scheduled first, so one worker obtains them all at once
  when it starts and finishes them as they expire, while the other workers run the rest.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable

import pytest

from conformance.evidence import Recorder
from conformance.masking import shown
from conformance.plugin.fixtures import STATE
from conformance.plugin.start import connect
from conformance.plugin.xdist import is_worker
from conformance.run.clock import Clock
from conformance.run.expiry import Begin, Expiry, ExpiryWatch, may_wait
from conformance.run.state import RunState

MARKER = "expiry"
GROUP = "expiry"
"""The xdist_group of every expiry check (`checks.test_expiry.expiring`): one worker waits for them all."""


def begin_of(item: pytest.Item) -> Begin | None:
    marker = item.get_closest_marker(MARKER)
    return None if marker is None else marker.kwargs["begin"]


def waits(state: RunState) -> bool:
    """This run's expiry checks wait for real lifetimes (tokens obtained at the start)."""
    if state.target is None:  # the embedded server's target is made when it starts: its clock moves
        return False
    options = state.options
    return may_wait(state.target, embedded=options.embedded, wait_for_expiry=options.wait_for_expiry,
                    budget=options.budget)  # fmt: skip


def schedule(items: list[pytest.Item], state: RunState, config: pytest.Config) -> None:
    """When the run waits: the expiry checks last in one process, first (one group) on xdist workers."""
    if not waits(state):
        return
    chosen = [item for item in items if begin_of(item) is not None]
    rest = [item for item in items if begin_of(item) is None]
    if is_worker(config):
        items[:] = chosen + rest
    else:
        aggressive = [item for item in rest if item.get_closest_marker("aggressive") is not None]
        items[:] = [item for item in rest if item not in aggressive] + chosen + aggressive


def begin_early(item: pytest.Item, state: RunState, config: pytest.Config) -> None:
    """Before the first check (one process) or the first expiry check (an xdist worker): begin them all."""
    if not waits(state) or (state.expiry is not None and state.expiry.begun):
        return
    if is_worker(config) and begin_of(item) is None:
        return
    watch = watch_of(state, config)
    checks = [(other.nodeid, begin) for other in item.session.items if (begin := begin_of(other)) is not None]
    watch.begin_all(checks)


def watch_of(state: RunState, config: pytest.Config) -> ExpiryWatch:
    if state.expiry is None:
        if state.session is None:
            connect(state, config)
        assert state.target is not None and state.session is not None
        clock = Clock(state.target, state.server)
        own = state.session.sibling(Recorder())  # its own evidence; the run's rate cap and budget
        state.expiry = ExpiryWatch(
            own, state.recorder, state.target, clock, waiting=waits(state), say=_say(config)
        )
    return state.expiry


def _say(config: pytest.Config) -> Callable[[str], None]:
    """A progress line on the terminal, outside pytest's capture (an xdist worker writes to its stderr)."""

    def say(line: str) -> None:
        text = shown(line)
        capture = config.pluginmanager.get_plugin("capturemanager")
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            if reporter is not None and not is_worker(config):
                reporter.write_line(text)
            else:
                sys.stderr.write(f"[{_worker_id(config)}] {text}\n")
                sys.stderr.flush()

    return say


def _worker_id(config: pytest.Config) -> str:
    worker = getattr(config, "workerinput", None)
    return str(worker.get("workerid", "worker")) if worker else "spry"


@pytest.fixture
def expiry(request: pytest.FixtureRequest) -> Expiry:
    """An expiry check's token or code (obtained at the start when the run waits) and its probe at the deadline."""
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("not a spry-conformance run")
    begin = begin_of(request.node)
    if begin is None:
        raise pytest.UsageError(
            f"{request.node.nodeid}: the expiry fixture needs @pytest.mark.expiry(begin=...)"
        )
    return watch_of(state, request.config).finish(request.node.nodeid, begin)
