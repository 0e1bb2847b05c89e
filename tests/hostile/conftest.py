"""Misbehaving targets on loopback, and a runner that points the suite at one and times the run.

Two kinds of target:

* `reference_target`: the reference server with fixed secrets, its ASGI app wrapped in a small
  middleware that misbehaves on one route, so every other check still passes and can be seen to
  keep its result;
* `raw_server`: a bare TCP listener whose handler does one hostile thing with each
  connection (never answer, stream without end, ...), and records what it received.

Every run gets a target `timeout` of 1 s (`target_config`) and is timed with `time.monotonic`.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp

from conformance.reference import ReferenceServer, ServerSettings, TlsFiles
from tests.support import Run, run_suite_here, throwaway_pki

TIMEOUT = 1.0  # the target timeout of every hostile run, seconds
#: The seed of every hostile run's generated inputs: the same scenarios each time (with seed 4 the
#: fuzzing campaign's stateful phase logs in, which a hanging login page must stop cleanly).
SEED = 4
TOKEN_PATH = "/apis/v2/oauth/token"
REFRESH_PATH = "/apis/v1/oauth/token"
AUTHORIZE_PATH = "/apis/v2/oauth/authorize"
LOGIN_PATH = "/apis/v2/oauth/login"
PATIENTS_PATH = "/v2/patients"
SECRET_ENV = {"primary": "SPRY_CLIENT_SECRET", "secondary": "SPRY_SECONDARY_CLIENT_SECRET",
              "read_only": "SPRY_READER_CLIENT_SECRET", "user": "SPRY_USER_PASSWORD"}  # fmt: skip


# Runs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One run against a hostile target: the CLI's result, its wall time and (fresh runs) its peak memory."""

    run: Run
    seconds: float
    report_dir: Path
    peak_rss_mb: float | None = None

    @property
    def code(self) -> int:
        return self.run.code

    @property
    def output(self) -> str:
        return self.run.output

    def statuses(self) -> dict[str, str]:
        return self.run.statuses()

    def checks(self) -> dict[str, dict[str, Any]]:
        """Every check's result (status, message) from results.json, by check id."""
        path = self.report_dir / "results.json"
        if not path.is_file():
            return {}
        results = json.loads(path.read_text(encoding="utf-8"))
        return {c["nodeid"]: c for r in results["requirements"] for c in r.get("check_results", [])}

    def messages(self, status: str) -> dict[str, str]:
        """The message of every check that ended with `status`."""
        return {nodeid: c.get("message", "") for nodeid, c in self.checks().items() if c["status"] == status}

    def reports_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.report_dir.rglob("*") if p.is_file())

    def explain(self) -> str:
        """What to print when an assertion about the run fails: the end of its output."""
        return f"exit {self.code} after {self.seconds:.1f} s\n{self.output[-3000:]}"


def target_config(
    folder: Path, base_url: str, *, timeout: float = TIMEOUT, ca_bundle: Path | None = None
) -> Path:
    """A target file (the contract's shape) for `base_url`; the secrets stay in the environment."""
    lines = ["[target]", f'base_url = "{base_url}"', f"timeout = {timeout}"]
    if ca_bundle is not None:
        lines.append(f'ca_bundle = "{ca_bundle}"')
    path = folder / "spry-target.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def requirements(*ids: str) -> list[str]:
    return [arg for rid in ids for arg in ("--requirement", rid)]


def run_against(
    tmp_path: Path,
    base_url: str,
    env: Mapping[str, str],
    *args: str,
    fresh: bool = False,
    ca_bundle: Path | None = None,
    limit: float = 180.0,
    seed: int = SEED,
) -> Outcome:
    """`spry-conformance run --config FILE ARGS` against `base_url`, timed.

    In this process by default (no 2-3 s of imports); `fresh=True` runs a new process and measures
    its peak resident memory (for the read-cap cases). A run that hangs past `limit` seconds is
    killed: the fresh process, or (in this process) the whole test process, with every thread's
    traceback, so that a hang fails the test run instead of stalling it.
    """
    config = target_config(tmp_path, base_url, ca_bundle=ca_bundle)
    args = ("--seed", str(seed), *args)
    started = time.monotonic()
    if not fresh:
        faulthandler.dump_traceback_later(limit, exit=True)
        try:
            run = run_suite_here(tmp_path, "--config", str(config), *args, env=env)
        finally:
            faulthandler.cancel_dump_traceback_later()
        return Outcome(run, time.monotonic() - started, tmp_path / "reports")
    run, peak = _run_fresh(tmp_path, ["--config", str(config), *args], env, limit)
    return Outcome(run, time.monotonic() - started, tmp_path / "reports", peak)


def _run_fresh(tmp_path: Path, args: list[str], env: Mapping[str, str], limit: float) -> tuple[Run, float]:
    """The CLI in a new process, killed after `limit` seconds; returns the run and the process's peak RSS (MB)."""
    report_dir = tmp_path / "reports"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))} | dict(env)
    log = tmp_path / "output.txt"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(report_dir), *args],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
        )  # fmt: skip
        watchdog = threading.Timer(limit, _kill_group, args=(process.pid,))
        watchdog.start()
        peak = _HighWater(process.pid)
        try:
            _, status, usage = os.wait4(process.pid, 0)  # wait4: this child's own rusage
        finally:
            watchdog.cancel()
            peak.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"requirements": []}
    output = log.read_text(errors="replace")
    if process.returncode == -signal.SIGKILL:
        output += f"\n(killed after {limit:g} s: the run hung)"
    return Run(
        process.returncode, output, summary
    ), peak.mb if peak.mb is not None else usage.ru_maxrss / 1024


class _HighWater:
    """The child's peak resident memory after exec (Linux VmHWM), read every 20 ms until it ends.

    `ru_maxrss` would do on a small parent, but a fork counts the parent's pages too: an xdist worker that
    has run hundreds of tests lends the child its few hundred MB before the exec replaces them.
    """

    def __init__(self, pid: int) -> None:
        self.mb: float | None = None
        self._path = Path(f"/proc/{pid}/status")
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.wait(0.02):
            try:
                lines = self._path.read_text().splitlines()
            except OSError:
                return  # gone, or no /proc: ru_maxrss then
            for line in lines:
                if line.startswith("VmHWM:"):
                    self.mb = max(self.mb or 0.0, int(line.split()[1]) / 1024)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.killpg(pid, signal.SIGKILL)


# The reference server, wrapped -----------------------------------------------------------------


def fixed_secrets() -> dict[str, str]:
    return {role: secrets.token_urlsafe(32) for role in SECRET_ENV}


def secret_env(values: Mapping[str, str]) -> dict[str, str]:
    """The environment a run needs for these secrets (the example file's *_env names)."""
    return {SECRET_ENV[role]: value for role, value in values.items()}


@dataclass
class Wrapped:
    """A running reference server whose app is wrapped by a misbehaving middleware."""

    server: ReferenceServer
    secrets: dict[str, str]

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def env(self) -> dict[str, str]:
        return secret_env(self.secrets)


Middleware = Callable[[ASGIApp], ASGIApp]


@pytest.fixture
def reference_target() -> Iterator[Callable[..., Wrapped]]:
    """Start the reference server (fixed secrets), its app wrapped by `middleware`; stopped after the test."""
    running: list[ReferenceServer] = []

    def start(middleware: Middleware | None = None, *, tls: TlsFiles | None = None) -> Wrapped:
        values = fixed_secrets()
        server = ReferenceServer(ServerSettings(secrets=values, tls=tls))
        if middleware is not None:
            server.app = middleware(server.app)  # type: ignore[assignment]  # start() serves self.app
        running.append(server.start())
        return Wrapped(server, values)

    yield start
    for server in running:
        server.stop()


# Raw listeners ---------------------------------------------------------------------------------

Handler = Callable[[socket.socket, "RawServer"], None]


@dataclass
class RawServer:
    """A TCP listener on 127.0.0.1 (a free port) that hands each connection to `handler` in a thread.

    `received` holds what each connection sent (as far as the handler read it); `closing` is set
    when the test ends, so a handler that waits forever ends then.
    """

    handler: Handler
    received: list[bytes] = field(default_factory=list)
    connections: int = 0
    closing: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="hostile-listener", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self)
        except OSError:
            pass  # the client hung up
        finally:
            conn.close()

    def record(self, data: bytes) -> None:
        with self._lock:
            self.received.append(data)

    def stop(self) -> None:
        self.closing.set()
        self._sock.close()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    """Start raw listeners (`raw_server(handler)`); all stopped after the test."""
    running: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        running.append(RawServer(handler))
        return running[-1]

    yield start
    for server in running:
        server.stop()


def read_request(conn: socket.socket, server: RawServer, *, timeout: float = 5.0) -> bytes:
    """Read one HTTP request (head and Content-Length body) and record it; b"" when the client hung up."""
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    request = head + b"\r\n\r\n" + body if data else b""
    server.record(request)
    return request


# TLS ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    """A throw-away CA nobody trusts and a certificate it issued for 127.0.0.1."""

    files: TlsFiles
    ca_bundle: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(*throwaway_pki(tmp_path_factory.mktemp("pki")))
