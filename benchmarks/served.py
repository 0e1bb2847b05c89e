"""The reference server in its own process (`spry-conformance serve --port 0`), for the benchmarks.

The server runs in a child process, so a benchmark measures client and server each on its own
interpreter (no shared GIL), exactly as a developer runs it. `serve` prints its URL and the demo
credentials (on purpose, for local use); they are read from its output and kept in memory, never printed.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
READY_LINE = "Press Ctrl-C to stop."
STARTUP_TIMEOUT = 20.0

_URL_LINE = re.compile(r"^Spry reference OAuth 2\.0 server on (\S+)$")
_CLIENT_LINE = re.compile(
    r'^\s+(\w+)\s+client_id=(\S+) client_secret=(\S+) scopes="([^"]*)" redirect_uri=(\S+)$'
)
_USER_LINE = re.compile(r"^\s+user\s+username=(\S+) password=(\S+)$")
_EXPORT_LINE = re.compile(r"^\s+export (SPRY_\w+)=(\S+)$")

DEMO_CLIENTS = {
    "primary": ("conformance-primary", "SPRY_CLIENT_SECRET", "read write", "https://client.example.org/callback"),
    "secondary": (
        "conformance-secondary", "SPRY_SECONDARY_CLIENT_SECRET", "read write", "https://client.example.org/other-callback"
    ),
    "read_only": ("conformance-reader", "SPRY_READER_CLIENT_SECRET", "read", None),
}  # fmt: skip
"""role -> (client_id, secret environment variable, scopes, redirect_uri), as ``serve`` prints them."""


def parse_banner(lines: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The URL and the demo credentials from the lines ``serve`` prints (ValueError when incomplete)."""
    url, clients, user = None, {}, None
    for line in lines:
        if match := _URL_LINE.match(line):
            url = match.group(1)
        elif match := _CLIENT_LINE.match(line):
            role, client_id, secret, scopes, redirect = match.groups()
            clients[role] = {
                "client_id": client_id,
                "client_secret": secret,
                "scopes": scopes,
                "redirect_uri": None if redirect == "-" else redirect,
            }
        elif match := _USER_LINE.match(line):
            user = {"username": match.group(1), "password": match.group(2)}
    if url is None or not clients or user is None:
        raise ValueError("the server's banner lacks its URL, clients or user")
    if not urlsplit(url).port:  # --port 0 must be reported as the port actually bound
        raise ValueError("the server's banner does not name the bound port")
    return url, {"clients": clients, "user": user}


def credentials_from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Demo client ids with the secrets from the variables ``serve`` prints (for ``--url``)."""
    env = dict(os.environ if env is None else env)
    clients = {
        role: {
            "client_id": client_id,
            "client_secret": env[variable],
            "scopes": scopes,
            "redirect_uri": redirect,
        }
        for role, (client_id, variable, scopes, redirect) in DEMO_CLIENTS.items()
        if env.get(variable)
    }
    if "primary" not in clients or not env.get("SPRY_USER_PASSWORD"):
        raise ValueError("with --url set SPRY_CLIENT_SECRET and SPRY_USER_PASSWORD (as `serve` prints them)")
    return {
        "clients": clients,
        "user": {"username": "conformance.user@example.org", "password": env["SPRY_USER_PASSWORD"]},
    }


@dataclass
class ServerProcess:
    """A reference server in a child process (``python -m conformance.cli serve --port 0``)."""

    process: subprocess.Popen[str]
    url: str
    credentials: dict[str, Any]
    stderr_tail: deque[str]
    threads: list[threading.Thread]
    env: dict[str, str]  # SPRY_CLIENT_SECRET ... SPRY_USER_PASSWORD, for `spry-conformance run`

    def error_lines(self) -> list[str]:
        """The server's stderr lines that report errors (unhandled exceptions are logged as ``ERROR:``)."""
        return [line for line in list(self.stderr_tail) if line.startswith("ERROR") or "Traceback" in line]

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used so far (Linux ``/proc``; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> int:
        """SIGINT (uvicorn's clean shutdown), then terminate, then kill; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        for thread in self.threads:
            thread.join(timeout=5)
        return self.process.returncode


def _pump_stdout(stream: Any, banner: queue.Queue[str | None]) -> None:
    """Pass the banner on, then drain stdout (the access log) so a full pipe never blocks the server."""
    in_banner = True
    for line in stream:
        if in_banner:
            banner.put(line.rstrip("\n"))
            in_banner = line.strip() != READY_LINE
    banner.put(None)


def _pump_stderr(stream: Any, tail: deque[str]) -> None:
    for line in stream:
        tail.append(line.rstrip("\n"))


def _read_banner(
    process: subprocess.Popen[str], banner: queue.Queue[str | None], deadline: float
) -> list[str]:
    lines: list[str] = []
    while not lines or lines[-1].strip() != READY_LINE:
        try:
            line = banner.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError("the server printed no banner in time") from None
        if line is None:
            raise RuntimeError(f"the server exited during startup (status {process.poll()})")
        lines.append(line)
    return lines


def _wait_accepting(url: str, deadline: float) -> None:
    """The banner is printed before uvicorn listens: connect until it does."""
    parts = urlsplit(url)
    while True:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the server does not accept connections") from None
            time.sleep(0.02)


def start_server(
    *, host: str = "127.0.0.1", faults: Sequence[str] = (), latency: str = "0", lifetime: int | None = None,
    code_lifetime: int | None = None,
) -> ServerProcess:
    """Start ``serve`` on an ephemeral port in a child process; returns once it accepts connections."""
    command = [sys.executable, "-u", "-m", "conformance.cli", "serve", "--host", host, "--port", "0"]
    command += [arg for name in faults for arg in ("--fault", name)] + ["--latency", latency]
    command += ["--lifetime", str(lifetime)] if lifetime is not None else []
    command += ["--code-lifetime", str(code_lifetime)] if code_lifetime is not None else []
    command += ["--no-access-log"]  # the benchmarks measure the suite and the server, not its logging
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    banner: queue.Queue[str | None] = queue.Queue()
    tail: deque[str] = deque(maxlen=500)
    threads = [
        threading.Thread(target=_pump_stdout, args=(process.stdout, banner), daemon=True),
        threading.Thread(target=_pump_stderr, args=(process.stderr, tail), daemon=True),
    ]
    for thread in threads:
        thread.start()
    server = ServerProcess(process, "", {}, tail, threads, {})
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        lines = _read_banner(process, banner, deadline)
        server.url, server.credentials = parse_banner(lines)
        server.env = dict(m.groups() for m in map(_EXPORT_LINE.match, lines) if m)
        _wait_accepting(server.url, deadline)
    except (RuntimeError, ValueError) as error:
        server.stop()
        raise RuntimeError(f"{error}; server stderr: {list(tail)[-10:]}") from error
    return server


@contextmanager
def serving(
    *, faults: Sequence[str] = (), latency: str = "0", lifetime: int | None = None, code_lifetime: int | None = None
) -> Iterator[ServerProcess]:
    """:func:`start_server` ... ``stop()``."""
    server = start_server(faults=faults, latency=latency, lifetime=lifetime, code_lifetime=code_lifetime)
    try:
        yield server
    finally:
        server.stop()
