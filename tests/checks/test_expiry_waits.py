"""Expiry with real lifetimes, against the reference server as a REMOTE target (its own process, so no
clock is moved): tokens obtained at the start, probed when they expire, the waits overlapping the run.

The server issues 20 s tokens and 15 s codes (`serve --lifetime 20 --code-lifetime 15`), and the target
file says so: every expiry check waits for real.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import Run, benchmark_module, run_suite

LIFETIME, CODE_LIFETIME, SKEW = 20, 15, 5
EXPIRY = ("EXPIRY-EXPIRED-REFUSED", "EXPIRY-VALID-UNTIL-EXP", "EXPIRY-REFRESHED-TOKEN", "RT-OUTLIVES-ACCESS-TOKEN",
          "AC-CODE-EXPIRES")  # fmt: skip
#: Checks that do not wait, and that take some seconds at 100 ms a response: the run's "other checks".
OTHERS = ("CC-SUCCESS", "TOKEN-TYPE-BEARER", "AC-CODE-SINGLE-USE", "AC-STATE-ROUNDTRIP", "RT-ROTATION-OLD-REFUSED",
          "BEARER-HEADER-ACCEPTED", "SCOPE-READ-ONLY-CANNOT-WRITE", "TOKEN-NO-STORE", "AC-CODE-BOUND-TO-CLIENT",
          "RT-BOUND-TO-CLIENT", "AC-PKCE-VERIFIER-CHECKED", "TOKEN-POST-ONLY")  # fmt: skip


served = benchmark_module("served")


@pytest.fixture
def remote(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, dict[str, str]]]:
    """A `serve` process with short lifetimes and a target file naming them; (config, secrets env)."""
    options = getattr(request, "param", {})
    with served.serving(lifetime=LIFETIME, code_lifetime=CODE_LIFETIME, **options) as server:
        config = tmp_path / "target.toml"
        config.write_text(f'[target]\nbase_url = "{server.url}"\n[token]\nexpected_lifetime = {LIFETIME}\n'
                          f"code_lifetime = {CODE_LIFETIME}\nclock_skew = {SKEW}\nmax_expiry_wait = 0\n")  # fmt: skip
        yield config, server.env


def _selected(*ids: str) -> list[str]:
    return [arg for rid in ids for arg in ("--requirement", rid)]


def _results(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "reports" / "results.json").read_text())
    return data


def _durations(tmp_path: Path, ids: tuple[str, ...]) -> float:
    return sum(
        c["duration"]
        for r in _results(tmp_path)["requirements"]
        if r["id"] in ids
        for c in r["check_results"]
    )


def _wall(run: Run) -> float:
    return float(run.summary["duration_s"])


@pytest.mark.parametrize("remote", [{"latency": "100ms"}], indirect=True)
def test_expiry_waits_overlap_the_rest_of_the_run(
    tmp_path: Path, remote: tuple[Path, dict[str, str]]
) -> None:
    """Every expiry requirement passes for real, and the run lasts about the longer of the other checks and one
    lifetime: the five waits (5, 20, 25, 25 and 25 s after issue) overlap each other and the other checks."""
    config, env = remote
    run = run_suite(
        tmp_path, "--config", str(config), "--wait-for-expiry", *_selected(*EXPIRY, *OTHERS), env=env
    )
    assert run.code == 0, run.output[-3000:]
    assert {rid: run.status(rid) for rid in EXPIRY} == dict.fromkeys(EXPIRY, "passed")
    assert "expiry: 5 tokens and codes obtained at the start" in run.output
    # a remote target: the run chose several xdist workers, and one of them (the expiry group's) did the waits
    assert re.search(r"concurrency: ([2-9]|\d\d) workers", run.output), run.output[:600]
    others = _durations(tmp_path, OTHERS)
    longest = LIFETIME + SKEW
    wall = _wall(run)
    assert others > 5, f"the other checks should take a while at 100 ms a response ({others:.1f} s)"
    # in sequence it would be the other checks plus every wait (5 + 20 + 3 x 25 s): far more than this
    assert wall < max(others, longest) + 12, (wall, others)
    assert wall >= longest - 1  # the expired probes came no earlier than lifetime + skew


@pytest.mark.parametrize("remote", [{"faults": ["expired-token-accepted"]}], indirect=True)
def test_an_expired_token_accepted_is_caught_without_moving_a_clock(
    tmp_path: Path, remote: tuple[Path, dict[str, str]]
) -> None:
    config, env = remote
    run = run_suite(tmp_path, "--config", str(config), "--wait-for-expiry",
                    *_selected("EXPIRY-EXPIRED-REFUSED", "EXPIRY-VALID-UNTIL-EXP"), env=env)  # fmt: skip
    assert run.code == 1, run.output[-3000:]
    assert run.status("EXPIRY-EXPIRED-REFUSED") == "failed"
    assert run.status("EXPIRY-VALID-UNTIL-EXP") == "passed"
    assert "s until test_expired_token_is_refused is probed" in run.output  # the countdown
    reason = {r["id"]: r for r in run.summary["requirements"]}["EXPIRY-EXPIRED-REFUSED"]["reason"]
    assert f"HTTP 200 {LIFETIME + SKEW} s after issue" in reason


def test_the_ci_budget_skips_naming_the_flag_and_the_time(
    tmp_path: Path, remote: tuple[Path, dict[str, str]]
) -> None:
    config, env = remote
    run = run_suite(tmp_path, "--config", str(config), *_selected(*EXPIRY), env=env)
    reasons = {r["id"]: r["reason"] for r in run.summary["requirements"]}
    assert {rid: run.status(rid) for rid in EXPIRY} == dict.fromkeys(EXPIRY, "skipped"), reasons
    for rid in EXPIRY:
        assert "--wait-for-expiry or --budget certification" in reasons[rid], reasons[rid]
        assert "the run then lasts at least" in reasons[rid], reasons[rid]
    assert f"({LIFETIME + SKEW} s) to pass" in reasons["EXPIRY-EXPIRED-REFUSED"]
