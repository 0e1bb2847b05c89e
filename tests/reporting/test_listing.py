"""`run --list`: what would run and what would be skipped, and why, with no request sent to the target."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


class Counting(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        Counting.seen.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[str]:
    Counting.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_list_sends_no_request_and_predicts_the_skips(counting_server: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
    env["SPRY_CLIENT_SECRET"] = "a-secret-for-the-primary-client"  # the secondary client and the user: none
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--target", counting_server, "--list", "--report-dir", "out"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert Counting.seen == []  # not even the preflight
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert f"would check {counting_server}" in lines[0] and "no request was sent" in lines[0]
    rows = {line.split()[1]: line for line in lines if line.startswith(("run ", "skip "))}
    assert rows["CC-SUCCESS"].startswith("run ")
    assert (
        rows["SEC-BRUTE-FORCE-THROTTLED"].startswith("skip ")
        and "--aggressive" in rows["SEC-BRUTE-FORCE-THROTTLED"]
    )
    assert rows["AC-LOGIN-REDIRECT"].startswith("skip ") and "needs " in rows["AC-LOGIN-REDIRECT"]
    assert "a-secret" not in result.stdout
    assert lines[-1].endswith("would be skipped") and "requirements:" in lines[-1]
    assert not (tmp_path / "out" / "summary.json").exists()  # a listing writes no report
