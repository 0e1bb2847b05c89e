"""How a run against a remote target overlaps its round trips, chosen from the round trip measured first.

Against a remote server a run waits: some 900 requests in sequence, each one round trip. Two kinds of
concurrency overlap those waits, each where it costs least:

- pytest-xdist workers, between checks. Each worker costs about half a second of CPU to start (the
  interpreter, the catalogue, the checks) and little afterwards, because it mostly waits on the network; so
  on a small machine workers cost less CPU than they save in wall time as soon as the round trip is more
  than a few milliseconds. Workers keep each check's evidence its own (threads would share one recorder).
- threads, inside the one check that cannot be split between workers: the fuzzing campaign, whose five
  checks judge one run of about 100 requests. Its explicit and generated cases need no answer before the
  next is made, so they are made first and sent a few at a time; the campaign chooses that itself from its
  first request's round trip (conformance.generated.delivery) and says so in its check's note.

The choice, in `choose`: the run's expected requests times the round trip is its time in sequence; one
worker per `SECONDS_PER_WORKER` of it, at most `WORKERS_PER_CORE` per core; fewer when `target.max_rps`
caps the rate (more requests in flight than the cap allows only queue) or `--max-requests` bounds the
run. `-n` on the command line overrides the workers.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import dataclass

from conformance.config import Target
from conformance.errors import BudgetExhausted, TargetError
from conformance.evidence import Recorder
from conformance.http import Session
from conformance.masking import masker

SAMPLES = 3
"""Round trips measured (the median is used)."""

EXPECTED_REQUESTS = {"ci": 920, "certification": 3300}
"""About how many requests a full run sends, by budget (benchmarks/bench.py, `cost`)."""

SECONDS_PER_WORKER = 5.0
"""Seconds of round trips in sequence that justify one more worker."""

WORKERS_PER_CORE = 4
"""Workers per core at most: they mostly wait on the network, but each one's start costs CPU."""

LONGEST_CHECK_SHARE = 0.1
"""The longest check, the grant lifecycle's state machine (its steps depend on each other), runs on one
worker and sends about a tenth of a run's requests: beyond 1 / this share, more workers no longer shorten
the run."""


@dataclass(frozen=True)
class Concurrency:
    """The workers chosen and why, in one line for the terminal."""

    workers: int
    why: str


def measure_round_trip(target: Target) -> float | None:
    """The median seconds of `SAMPLES` GETs of the token endpoint (any answer counts; none sends a credential),
    or None when the target does not answer (the preflight then says what happened)."""
    session = Session(base_url=target.base_url, masker=masker, recorder=Recorder(), timeout=min(target.timeout, 5.0),
                      verify=target.ca_bundle or target.verify_tls)  # fmt: skip
    times = []
    try:
        for _ in range(SAMPLES):
            started = time.perf_counter()
            session.request("GET", target.token_path)
            times.append(time.perf_counter() - started)
    except (TargetError, BudgetExhausted):
        return None
    finally:
        session.close()
    return statistics.median(times)


def choose(round_trip: float | None, *, budget: str, max_rps: float, max_requests: int | None,
           cores: int | None = None) -> Concurrency:  # fmt: skip
    """The workers for a run whose requests each take `round_trip` seconds, and the reason, in words."""
    if round_trip is None:
        return Concurrency(1, "the target did not answer the round-trip probe")
    cores = cores or os.cpu_count() or 1
    requests = EXPECTED_REQUESTS.get(budget, EXPECTED_REQUESTS["ci"])
    if max_requests is not None:
        requests = min(requests, max_requests)
    serial = requests * round_trip
    workers = math.ceil(serial / SECONDS_PER_WORKER)
    ceiling, bound = WORKERS_PER_CORE * cores, f"{WORKERS_PER_CORE} per core on {cores} cores"
    if max_rps:
        in_flight = max(1, math.ceil(max_rps * round_trip * 1.5))
        if in_flight < ceiling:
            ceiling, bound = (
                in_flight,
                f"target.max_rps {max_rps:g} allows about {in_flight} requests in flight",
            )
    useful = math.ceil(1 / LONGEST_CHECK_SHARE)
    if useful < ceiling:
        ceiling, bound = useful, "the grant lifecycle, on one worker, bounds the run beyond that"
    chosen = max(1, min(workers, ceiling))
    measured = f"round trip {round_trip * 1000:.0f} ms measured before the run, about {requests} requests"
    if chosen == 1:
        return Concurrency(1, f"{measured}: {serial:.0f} s in sequence, less than a worker's start is worth")
    capped = f" (at most {ceiling}: {bound})" if workers > ceiling else ""
    return Concurrency(chosen, f"{measured}: {serial:.0f} s in sequence{capped}; -n overrides")


def pytest_args_choose_workers(pytest_args: list[str]) -> bool:
    """True unless what follows `--` already decides the workers (`-n`, `--numprocesses`, `-p no:xdist`)."""
    for index, arg in enumerate(pytest_args):
        if arg == "-n" or arg.startswith(("-n", "--numprocesses", "--dist")):
            return False
        if (
            arg == "-p"
            and index + 1 < len(pytest_args)
            and pytest_args[index + 1] in {"no:xdist", "no:xdist.plugin"}
        ):
            return False
        if arg in {"-pno:xdist", "-p=no:xdist"}:
            return False
    return True
