"""The suite's benchmarks, in one command: `python benchmarks/bench.py` prints the README's table.

Every figure is measured in this one run on this machine, and every comparison is a ratio of two
figures taken here, so the table says how the suite compares, not how fast one machine was:

- full      the full default run against the embedded server: wall time, requests, the share of fuzzing;
- fuzz      the fuzz campaign's requests per second against plain `schemathesis run` on the same
            OpenAPI file, server and number of examples (the suite's overhead over the bare fuzzer);
- http      the suite's HTTP layer (rate cap, budget, masking, evidence) against a bare httpx loop;
- latency   a full run against `serve --latency 50ms` at 1, 2, 4 and 8 pytest-xdist workers;
- default   the default command (the run chooses its workers) against `serve --latency 50ms` and `100ms`;
- certification  `--budget certification` against a remote server with 120 s tokens: expiry for real;
- cost      the requests each profile and budget sends (what a run costs a rate-limited server);
- load      the reference server under many concurrent clients (benchmarks/load.py).

`--only fuzz,http` runs some sections; `--quick` runs smaller versions (a smoke test, not figures);
`--json FILE` also writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import ServerProcess, serving  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "spry-auth.openapi.yaml"
GENERATED_MODULES = ("test_fuzzing.py", "test_properties.py")  # the checks whose input is generated
CAMPAIGN_CHECK = "FUZZ-TOKEN-NO-5XX"  # the first campaign check carries the campaign's requests and time
CI_EXAMPLES = (
    4  # conformance.generated.budget.BUDGETS["ci"].examples: cases per operation and generation mode
)


@dataclass
class Row:
    measure: str
    figure: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """One `spry-conformance run`: exit code, wall time and its results.json."""

    code: int
    wall: float
    results: dict[str, Any]
    stdout: str = ""

    def stdout_line(self, prefix: str) -> str:
        """The first line of the run's output that starts with `prefix` (the concurrency it chose)."""
        return next((line for line in self.stdout.splitlines() if line.startswith(prefix)), "")

    @property
    def checks(self) -> list[dict[str, Any]]:
        return [c for r in self.results.get("requirements", []) for c in r.get("check_results", [])]

    @property
    def requests(self) -> int:
        return int(self.results.get("requests_sent", 0))

    @property
    def counts(self) -> str:
        counts = self.results.get("counts", {})
        return ", ".join(f"{n} {status}" for status, n in counts.items() if n)


def run_suite(*args: str, env: dict[str, str] | None = None) -> RunResult:
    """`spry-conformance run ARGS` in a fresh process, timed from launch to exit."""
    with tempfile.TemporaryDirectory(prefix="spry-bench-") as directory:
        # as installed: bytecode cached (an environment that forbids it recompiles every module in every worker)
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("SPRY_", "PYTEST_")) and k != "PYTHONDONTWRITEBYTECODE"}  # fmt: skip
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--report-dir", directory, *args],
            capture_output=True, text=True, env={**clean, **(env or {})}, cwd=directory,
        )  # fmt: skip
        wall = time.perf_counter() - started
        path = Path(directory) / "results.json"
        if not path.is_file():
            raise RuntimeError(
                f"the run wrote no results (exit {completed.returncode}):\n{completed.stdout[-2000:]}"
            )
        return RunResult(completed.returncode, wall, json.loads(path.read_text()), completed.stdout)


# --- full: the default run against the embedded server -------------------------------------------------


def full_run(quick: bool) -> list[Row]:
    run = run_suite()
    generated = [c for c in run.checks if c["nodeid"].split("::")[0].endswith(GENERATED_MODULES)]
    fuzz_seconds = sum(c["duration"] for c in generated)
    checks_seconds = sum(c["duration"] for c in run.checks) or 1.0
    fuzz_requests = sum(c["requests"] for c in generated)
    verdict = run.results.get("verdict")
    return [
        Row("full default run, embedded server", f"{run.wall:.1f} s wall",
            f"{run.requests} requests; {run.counts}; verdict {verdict}",
            {"wall_s": run.wall, "requests": run.requests, "exit": run.code}),
        Row("  share of it spent fuzzing", f"{fuzz_seconds / checks_seconds:.0%} of check time",
            f"{fuzz_seconds:.1f} s and {fuzz_requests} of {run.requests} requests in generated-input checks",
            {"fuzz_s": fuzz_seconds, "checks_s": checks_seconds, "fuzz_requests": fuzz_requests}),
    ]  # fmt: skip


# --- fuzz: the campaign against plain schemathesis ------------------------------------------------------


def fuzz_overhead(quick: bool) -> list[Row]:
    seed = "20261129"
    with serving(faults=["no-throttle"]) as server:  # neither fuzzer trips the failed-authentication throttle
        suite = run_suite(
            "--target", server.url, "--requirement", CAMPAIGN_CHECK, "--seed", seed, env=server.env
        )
        campaign = next(c for c in suite.checks if c["requirement"] == CAMPAIGN_CHECK)
        suite_rps = campaign["requests"] / campaign["duration"]
        bare_requests, bare_seconds = schemathesis_run(server, seed)
    bare_rps = bare_requests / bare_seconds
    return [
        Row("fuzz campaign, requests per second", f"{suite_rps:.0f} req/s",
            f"{campaign['requests']} requests in {campaign['duration']:.2f} s (generation, judging, evidence)",
            {"requests": campaign["requests"], "seconds": campaign["duration"], "rps": suite_rps}),
        Row("  plain `schemathesis run`, same file, server, examples", f"{bare_rps:.0f} req/s",
            f"{bare_requests} requests in {bare_seconds:.2f} s; the suite runs at {suite_rps / bare_rps:.2f}x its rate",
            {"requests": bare_requests, "seconds": bare_seconds, "rps": bare_rps, "ratio": suite_rps / bare_rps}),
    ]  # fmt: skip


def schemathesis_run(server: ServerProcess, seed: str) -> tuple[int, float]:
    """`schemathesis run` with one worker, as the campaign: the requests it sent (its HAR) and the seconds its
    engine took, schema loading included as in the campaign (its JSON and event reports; not process start-up)."""
    with tempfile.TemporaryDirectory(prefix="spry-bench-st-") as directory:
        reports = Path(directory)
        subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", str(SPEC), "--url", server.url,
             "--max-examples", str(CI_EXAMPLES), "--mode", "all", "--phases", "examples,fuzzing,stateful",
             "--seed", seed, "--workers", "1", "--no-shrink", "--generation-database", "none", "--checks", "all",
             "--report", "har,json,ndjson", "--report-har-path", str(reports / "run.har"),
             "--report-json-path", str(reports / "run.json"), "--report-ndjson-path", str(reports / "run.ndjson"),
             "--no-color"],
            capture_output=True, text=True, cwd=directory, timeout=600,
        )  # fmt: skip
        requests = len(json.loads((reports / "run.har").read_text())["log"]["entries"])
        running = float(json.loads((reports / "run.json").read_text())["running_time"])
        events = [
            json.loads(line) for line in (reports / "run.ndjson").read_text().splitlines() if line.strip()
        ]
        loading = sum(
            float(e["LoadingFinished"].get("duration", 0)) for e in events if "LoadingFinished" in e
        )
    if not requests:
        raise RuntimeError("schemathesis sent no request")
    return requests, loading + running


# --- http: the suite's HTTP layer against a bare httpx loop ---------------------------------------------


def http_overhead(quick: bool) -> list[Row]:
    import httpx

    from conformance.evidence import Recorder
    from conformance.http import Session
    from conformance.masking import Masker

    count = 200 if quick else 1500
    with serving() as server:
        token = _access_token(server)
        headers = {"Authorization": f"Bearer {token}"}
        masker = Masker()
        masker.register(token, *server.env.values())
        masker.register(*(f"issued-token-{i:04d}-{'x' * 32}" for i in range(400)))  # a run's worth of secrets
        session = Session(base_url=server.url, masker=masker, recorder=Recorder())
        bare = httpx.Client(base_url=server.url, headers={"User-Agent": "bench"})

        def suite_loop() -> None:
            for _ in range(count):
                session.request("GET", "/v2/patients", headers=headers)
                session.recorder.take()  # a check takes its evidence when it ends

        def bare_loop() -> None:
            for _ in range(count):
                bare.get("/v2/patients", headers=headers).read()

        suite_cpu, bare_cpu = _least_cpu(suite_loop, bare_loop, rounds=2 if quick else 5)
        session.close()
        bare.close()
    per_suite, per_bare = suite_cpu / count * 1e6, bare_cpu / count * 1e6
    return [
        Row("HTTP layer: client CPU per request through Session", f"{per_suite:.0f} µs",
            f"{count} GETs against `serve`; masking (400 secrets known), evidence, rate cap and budget included",
            {"cpu_us_per_request": per_suite}),
        Row("  the same through a bare httpx loop", f"{per_bare:.0f} µs",
            f"the suite's layer costs {per_suite / per_bare:.2f}x the CPU ({per_suite - per_bare:+.0f} µs per request)",
            {"cpu_us_per_request": per_bare, "ratio": per_suite / per_bare}),
    ]  # fmt: skip


def _access_token(server: ServerProcess) -> str:
    import httpx

    answer = httpx.post(
        server.url + "/apis/v2/oauth/token",
        data={"grant_type": "client_credentials", "scope": "read write", "client_id": "conformance-primary",
              "client_secret": server.env["SPRY_CLIENT_SECRET"]},
    )  # fmt: skip
    return str(
        answer.json()["data"]["access_token"] if "data" in answer.json() else answer.json()["access_token"]
    )


def _least_cpu(first: Callable[[], None], second: Callable[[], None], *, rounds: int) -> tuple[float, float]:
    """The least CPU time this process spent in each loop, the two taken in turns after a warm-up round of
    each (the server runs in another process, so this is the client's cost; turns cancel the drift)."""
    first(), second()
    spent: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for loop, times in ((first, spent[0]), (second, spent[1])):
            started = time.process_time()
            loop()
            times.append(time.process_time() - started)
    return min(spent[0]), min(spent[1])


# --- latency: workers against a slow server ----------------------------------------------------------------


def latency_scaling(quick: bool) -> list[Row]:
    rows, baseline = [], 0.0
    for workers in (1, 2) if quick else (1, 2, 4, 8):
        with serving(latency="50ms") as server:  # a fresh server for each: no throttle window carried over
            run = run_suite("--target", server.url, "--", "-n", str(workers), env=server.env)
        baseline = baseline or run.wall
        rows.append(
            Row(
                f"full run, 50 ms latency, {workers} worker{'s' * (workers > 1)}",
                f"{run.wall:.1f} s wall",
                f"speed-up {baseline / run.wall:.2f}x; {run.requests} requests; {run.counts}",
                {
                    "workers": workers,
                    "wall_s": run.wall,
                    "speedup": baseline / run.wall,
                    "exit": run.code,
                    "requests": run.requests,
                },
            )  # fmt: skip
        )
    return rows


def default_command(quick: bool) -> list[Row]:
    """The default command (no -n: the run chooses its workers) against `serve --latency 50ms` and `100ms`."""
    rows = []
    for latency, goal in (("50ms", 15), ("100ms", 25)):
        with serving(latency=latency) as server:
            run = run_suite("--target", server.url, env=server.env)
        chosen = run.stdout_line("concurrency:")
        rows.append(Row(f"default command, {latency} latency", f"{run.wall:.1f} s wall",
                        f"goal <= {goal} s; {chosen}; {run.requests} requests; {run.counts}",
                        {"latency": latency, "wall_s": run.wall, "goal_s": goal, "requests": run.requests,
                         "exit": run.code, "concurrency": chosen}))  # fmt: skip
        if quick:
            break
    return rows


def certification_expiry(quick: bool) -> list[Row]:
    """`--budget certification` against a remote server with 120 s tokens and 60 s codes: every expiry
    requirement checked for real, the waits overlapping the rest of the run (goal: lifetime + 60 s)."""
    lifetime, code_lifetime = (20, 15) if quick else (120, 60)
    with (
        serving(lifetime=lifetime, code_lifetime=code_lifetime) as server,
        tempfile.TemporaryDirectory() as folder,
    ):
        config = Path(folder) / "target.toml"
        config.write_text(f'[target]\nbase_url = "{server.url}"\n[token]\nexpected_lifetime = {lifetime}\n'
                          f"code_lifetime = {code_lifetime}\n")  # fmt: skip
        run = run_suite("--config", str(config), "--budget", "certification", env=server.env)
    expiry = [c for c in run.checks if c["nodeid"].split("::")[0].endswith("test_expiry.py")]
    checked = sum(1 for c in expiry if c["status"] == "passed")
    return [
        Row(f"certification run, {lifetime} s tokens (remote)", f"{run.wall:.1f} s wall",
            f"goal <= {lifetime + 60} s; {checked} of {len(expiry)} expiry checks passed for real; "
            f"{run.requests} requests; {run.counts}",
            {"lifetime_s": lifetime, "wall_s": run.wall, "goal_s": lifetime + 60, "expiry_passed": checked,
             "expiry_checks": len(expiry), "requests": run.requests, "exit": run.code}),
    ]  # fmt: skip


# --- cost: requests per profile and budget -----------------------------------------------------------------


def request_cost(quick: bool) -> list[Row]:
    combos: Sequence[tuple[str, ...]] = (
        (("--profile", "spry"),)
        if quick
        else (
            ("--profile", "spry"),
            ("--profile", "oauth2"),
            ("--profile", "spry", "--aggressive"),
            ("--profile", "spry", "--budget", "certification"),
            ("--profile", "oauth2", "--budget", "certification"),
        )
    )
    rows = []
    for args in combos:
        run = run_suite(*args)
        generated = int(run.results.get("generated_requests", 0))
        label = " ".join(a.removeprefix("--") for a in args)
        rows.append(Row(f"requests: {label}", f"{run.requests}",
                        f"{generated} of them generated; {run.wall:.1f} s wall; {run.counts}",
                        {"args": list(args), "requests": run.requests, "generated": generated, "wall_s": run.wall}))  # fmt: skip
    return rows


# --- load: the reference server under many clients ----------------------------------------------------------


def server_load(quick: bool) -> list[Row]:
    from load import run_load

    clients, requests = (16, 600) if quick else (64, 5000)
    with serving() as server:
        before = server.cpu_seconds()
        result = run_load(server.url, server.credentials, clients=clients, requests=requests)
        after = server.cpu_seconds()
    cpu = (
        f"; the server used {after - before:.1f} s of CPU" if before is not None and after is not None else ""
    )
    races = result.code_races + result.refresh_races
    return [
        Row(f"reference server: {clients} concurrent clients, {requests} requests", f"{result.requests_per_second:.0f} req/s",
            f"{result.wall_seconds:.1f} s; p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms; {result.server_errors} "
            f"5xx; {races} races, {result.double_redemptions} double redemptions{cpu}",
            {"clients": clients, "requests": result.requests, "rps": result.requests_per_second,
             "wall_s": result.wall_seconds, "p50_ms": result.p50_ms, "p95_ms": result.p95_ms,
             "server_errors": result.server_errors, "races": races, "double_redemptions": result.double_redemptions}),
    ]  # fmt: skip


SECTIONS: dict[str, Callable[[bool], list[Row]]] = {
    "full": full_run,
    "fuzz": fuzz_overhead,
    "http": http_overhead,
    "latency": latency_scaling,
    "default": default_command,
    "certification": certification_expiry,
    "cost": request_cost,
    "load": server_load,
}


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    return f"{os.cpu_count()} cores ({cpu or 'unknown CPU'}), Python {platform.python_version()}, {platform.system()}"


def markdown(rows: list[Row]) -> str:
    lines = ["| measure | figure | detail |", "|---|---|---|"]
    lines += [f"| {r.measure} | {r.figure} | {r.detail} |" for r in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"sections, comma-separated ({', '.join(SECTIONS)})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller versions of each section (a smoke test)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}")
    rows: list[Row] = []
    started = time.perf_counter()
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += SECTIONS[name](args.quick)
    header = f"Measured {time.strftime('%Y-%m-%d')} on {machine()}, in {time.perf_counter() - started:.0f} s."
    print(header + "\n\n" + markdown(rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": machine(), "rows": [asdict(r) for r in rows]}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
