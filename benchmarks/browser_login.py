"""The browser login's cost: `python benchmarks/browser_login.py` prints the README's browser rows.

- per authorization: the time of one `authorize()` (login, consent, captured redirect) with
  `method = "browser"`, cold (Chromium starts) and warm (the median of the next ones), on the reference
  server's HTML form and on its single-page app; the form method on the HTML form for comparison;
- share of a full run: `run --login spa` against the same run with the HTML form (`-n 2` by default),
  the difference being what the browser logins cost.

`--rounds N` sets the warm authorizations per login (10), `--no-full` skips the two full runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from conformance.config import embedded_target
from conformance.evidence import Recorder
from conformance.flows.authorize import authorize, new_state
from conformance.http import Session
from conformance.masking import Masker
from conformance.reference import ReferenceServer, ServerSettings


def per_authorization(login: str, method: str, rounds: int) -> tuple[float, float]:
    """(cold seconds, warm median seconds) of one authorization."""
    server = ReferenceServer(ServerSettings(login=login))
    server.start()
    try:
        target = embedded_target(server.base_url, server.credentials, login_method=method)
        session = Session(base_url=target.base_url, masker=Masker(), recorder=Recorder(),
                          passwords=(target.user.password or "",))  # fmt: skip
        times = []
        for _ in range(rounds + 1):
            started = time.perf_counter()
            answer = authorize(session, target, target.clients["primary"], state=new_state())
            times.append(time.perf_counter() - started)
            assert answer.code, answer.error
            session.recorder.take()
        return times[0], statistics.median(times[1:])
    finally:
        server.stop()


def full_run(workers: str, *extra: str) -> tuple[float, str]:
    """(seconds the checks took, the verdict line) of `spry-conformance run EXTRA -- -n WORKERS`."""
    with tempfile.TemporaryDirectory() as reports:
        done = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--report-dir", reports, *extra, "--", "-n", workers],
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
    sent = re.search(r"sent\s+(\d+) requests in ([\d.]+) s", done.stdout)
    verdict = re.search(r"(PASS|FAIL)[^=]*", done.stdout)
    assert sent and verdict, done.stdout[-1000:] + done.stderr[-1000:]
    return float(sent.group(2)), f"{sent.group(1)} requests; {verdict.group(0).strip()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--no-full", action="store_true")
    args = parser.parse_args(argv)
    print("| measure | figure | detail |\n|---|---|---|")
    for login, method in (("form", "browser"), ("spa", "browser"), ("form", "form")):
        cold, warm = per_authorization(login, method, args.rounds)
        print(f"| one authorization, `method = \"{method}\"`, {login} login | {warm:.2f} s warm | "
              f"median of {args.rounds}; the first (cold: the browser starts) {cold:.2f} s |")  # fmt: skip
    if not args.no_full:
        form, form_detail = full_run(args.workers)
        spa, spa_detail = full_run(args.workers, "--login", "spa")
        print(f"| full run, `--login spa` (browser), {args.workers} workers | {spa:.1f} s | {spa_detail} |")
        print(f"|   the same run with the HTML form (`form`) | {form:.1f} s | {form_detail}; the browser logins "
              f"are {100 * (spa - form) / spa:.0f}% of the SPA run |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
