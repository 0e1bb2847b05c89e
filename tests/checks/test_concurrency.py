"""The run chooses its workers against a remote target (run/concurrency.py), and says so; -n overrides;
the verdicts and request counts equal those of a one-worker run with the same seed."""

from __future__ import annotations

from pathlib import Path

from conformance.run.concurrency import choose, pytest_args_choose_workers
from tests.support import benchmark_module, run_suite

CHECKS = ("CC-SUCCESS", "TOKEN-TYPE-BEARER", "AC-CODE-SINGLE-USE", "AC-STATE-ROUNDTRIP", "RT-ROTATION-OLD-REFUSED",
          "BEARER-HEADER-ACCEPTED", "SCOPE-READ-ONLY-CANNOT-WRITE", "TOKEN-NO-STORE", "AC-CODE-BOUND-TO-CLIENT",
          "RT-BOUND-TO-CLIENT", "AC-PKCE-VERIFIER-CHECKED", "TOKEN-POST-ONLY", "EXPIRY-JWT-EXP-MATCHES")  # fmt: skip


def test_a_local_target_gets_one_worker() -> None:
    chosen = choose(0.001, budget="ci", max_rps=0, max_requests=None, cores=2)
    assert chosen.workers == 1 and "less than a worker's start is worth" in chosen.why


def test_latency_buys_workers_up_to_four_per_core() -> None:
    assert choose(0.05, budget="ci", max_rps=0, max_requests=None, cores=2).workers == 8
    assert choose(0.02, budget="ci", max_rps=0, max_requests=None, cores=2).workers == 4
    capped = choose(0.2, budget="ci", max_rps=0, max_requests=None, cores=1)
    assert capped.workers == 4 and "4 per core on 1 cores" in capped.why


def test_max_rps_and_max_requests_bound_the_workers() -> None:
    limited = choose(0.05, budget="ci", max_rps=20, max_requests=None, cores=2)
    assert limited.workers == 2 and "target.max_rps 20" in limited.why
    assert choose(0.05, budget="ci", max_rps=0, max_requests=100, cores=2).workers == 1
    assert choose(None, budget="ci", max_rps=0, max_requests=None).workers == 1


def test_n_after_the_separator_decides() -> None:
    assert pytest_args_choose_workers(["-k", "bearer"])
    for given in (["-n", "2"], ["-n4"], ["--numprocesses=3"], ["-p", "no:xdist"]):
        assert not pytest_args_choose_workers(given), given


def test_chosen_workers_give_the_verdicts_and_requests_of_one_worker(tmp_path: Path) -> None:
    served = benchmark_module("served")
    selection = [arg for rid in CHECKS for arg in ("--requirement", rid)]
    (tmp_path / "auto").mkdir()
    (tmp_path / "one").mkdir()
    with served.serving(latency="60ms") as server:
        auto = run_suite(
            tmp_path / "auto", "--target", server.url, "--seed", "11", *selection, env=server.env
        )
        one = run_suite(tmp_path / "one", "--target", server.url, "--seed", "11", *selection, "--", "-n", "0",
                        env=server.env)  # fmt: skip
    assert "concurrency: 8 workers (round trip" in auto.output, auto.output[:500]
    assert "concurrency:" not in one.output  # -n given: nothing chosen
    assert auto.code == one.code == 0, auto.output[-2000:]
    assert auto.statuses() == one.statuses()
    assert auto.summary["requests_sent"] == one.summary["requests_sent"]
