"""Parallel runs (`spry-conformance run -- -n N`): one report, shared state kept per worker, politeness kept.

Each xdist worker of an embedded run starts its own reference server, so a code, a refresh-token
family, the throttle counter and the moved clock never cross workers; the checks that share one
campaign run (fuzzing, the grant lifecycle) go to one worker (`--dist loadgroup`); the request
budget and `max_rps` are split between the workers, so they hold for the run as a whole.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.reference import ReferenceServer, ServerSettings
from tests.support import run_suite

CAMPAIGN = ("FUZZ-TOKEN-NO-5XX", "FUZZ-RESPONSE-CONFORMS", "FUZZ-INVALID-NO-TOKEN", "SEC-NO-SECRET-ECHO")
TOKEN_CHECKS = ("CC-SUCCESS", "TOKEN-TYPE-BEARER", "SPRY-TOKEN-FIELDS", "CC-NO-REFRESH-TOKEN",
                "TOKEN-SCOPE-IN-RESPONSE", "TOKEN-NO-STORE", "TOKEN-PRAGMA-NO-CACHE", "CLIENT-AUTH-BODY")  # fmt: skip


def requirements(*ids: str) -> list[str]:
    return [arg for rid in ids for arg in ("--requirement", rid)]


def test_parallel_run_writes_one_merged_report(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--seed", "7", *requirements(*CAMPAIGN, *TOKEN_CHECKS), "--", "-n", "2")
    assert run.code == 0, run.output[-3000:]
    assert set(run.statuses()) == {*CAMPAIGN, *TOKEN_CHECKS}
    assert set(run.statuses().values()) == {"passed"}, run.statuses()
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert all(rid in junit for rid in (*CAMPAIGN, *TOKEN_CHECKS))
    assert (tmp_path / "reports" / "report.html").is_file()


def test_campaign_runs_once_however_many_workers(tmp_path: Path) -> None:
    """The four campaign checks judge one campaign: under two workers it is not generated twice."""
    (tmp_path / "serial").mkdir(), (tmp_path / "parallel").mkdir()
    serial = run_suite(tmp_path / "serial", "--seed", "11", *requirements(*CAMPAIGN))
    parallel = run_suite(tmp_path / "parallel", "--seed", "11", *requirements(*CAMPAIGN), "--", "-n", "2")
    assert serial.code == parallel.code == 0, parallel.output[-3000:]
    once, twice = serial.summary["generated_requests"], parallel.summary["generated_requests"]
    assert once > 0 and twice < once * 1.5, f"{once} generated requests serially, {twice} under two workers"


def test_fault_is_caught_under_workers(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--fault", "token-type-mac", *requirements(*TOKEN_CHECKS), "--", "-n", "2")
    assert run.code == 1, run.output[-3000:]
    assert run.status("TOKEN-TYPE-BEARER") == "failed"
    assert run.status("CC-SUCCESS") == "passed"


def test_request_budget_holds_for_the_whole_run(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--max-requests", "6", *requirements(*TOKEN_CHECKS), "--", "-n", "2")
    assert run.summary["requests_sent"] <= 6, run.summary["requests_sent"]
    assert any("request budget" in r["reason"] for r in run.summary["requirements"]), run.summary


class Stamps:
    """ASGI middleware: the arrival time of every request the server receives."""

    def __init__(self, app: object) -> None:
        self.app = app
        self.times: list[float] = []
        self._lock = threading.Lock()

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        if scope["type"] == "http":
            with self._lock:
                self.times.append(time.monotonic())
        await self.app(scope, receive, send)  # type: ignore[operator]


@pytest.fixture
def stamped_server() -> Iterator[tuple[ReferenceServer, Stamps]]:
    server = ReferenceServer(ServerSettings())
    stamps = Stamps(server.app)
    server.app = stamps  # type: ignore[assignment]
    with server:
        yield server, stamps


def test_max_rps_holds_across_workers(tmp_path: Path, stamped_server: tuple[ReferenceServer, Stamps]) -> None:
    """`target.max_rps` caps all workers together: two workers at 12 rps send 12 requests a second, not 24."""
    server, stamps = stamped_server
    config = tmp_path / "target.toml"
    config.write_text(f'[target]\nbase_url = "{server.base_url}"\nmax_rps = 12\n')
    clients = server.credentials["clients"]
    env = {
        "SPRY_CLIENT_SECRET": clients["primary"]["client_secret"],
        "SPRY_SECONDARY_CLIENT_SECRET": clients["secondary"]["client_secret"],
        "SPRY_READER_CLIENT_SECRET": clients["read_only"]["client_secret"],
        "SPRY_USER_PASSWORD": server.credentials["user"]["password"],
    }
    run = run_suite(tmp_path, "--config", str(config), *requirements(*TOKEN_CHECKS), "--", "-n", "2", env=env)
    assert run.code == 0, run.output[-3000:]
    times = sorted(stamps.times)
    assert len(times) >= 24, len(times)
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate <= 12 * 1.10, f"{rate:.1f} requests per second against a cap of 12"
    assert json.loads((tmp_path / "reports" / "summary.json").read_text())["requests_sent"] == len(times)
