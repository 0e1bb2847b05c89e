"""Transport checks proven against a TLS server: the reference server started with a test certificate,
run as a REMOTE target (`--target https://127.0.0.1:PORT --config FILE`, secrets in the environment).

The embedded server is plain HTTP on loopback, where the transport checks skip by design, so the
generic fault proofs (test_fault_proofs.py) leave out the faults declared `needs_tls`; they are proven
here: each must be caught (failed for a MUST, warning for a SHOULD), and the clean TLS server passes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.reference import FAULTS, ReferenceServer, ServerSettings, TlsFiles
from tests.support import Run, throwaway_pki

CATALOGUE = load_catalogue()
TRANSPORT = ["SEC-TLS-REQUIRED", "SEC-HSTS"]
TLS_FAULTS = sorted(name for name, fault in FAULTS.items() if fault.needs_tls)
ENV_NAMES = {"primary": "SPRY_CLIENT_SECRET", "secondary": "SPRY_SECONDARY_CLIENT_SECRET",
             "read_only": "SPRY_READER_CLIENT_SECRET", "user": "SPRY_USER_PASSWORD"}  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[TlsFiles, Path]:
    """A throw-away CA and a certificate for 127.0.0.1: (the server's files, the CA bundle)."""
    return throwaway_pki(tmp_path_factory.mktemp("pki"))


Starter = Callable[..., tuple[str, dict[str, str]]]


@pytest.fixture
def tls_target(pki: tuple[TlsFiles, Path]) -> Iterator[Starter]:
    """Start the reference server with TLS (and the given faults); returns (base_url, secrets)."""
    running: list[ReferenceServer] = []

    def start(*faults: str) -> tuple[str, dict[str, str]]:
        fixed = {role: secrets.token_urlsafe(32) for role in ENV_NAMES}
        server = ReferenceServer(ServerSettings(tls=pki[0], faults=frozenset(faults), secrets=fixed)).start()
        running.append(server)
        return server.base_url, fixed

    yield start
    for server in running:
        server.stop()


def run_remote(tmp_path: Path, base_url: str, fixed: dict[str, str], bundle: Path, *args: str) -> Run:
    """`spry-conformance run --target URL --config FILE` in a fresh process, secrets in the environment."""
    config = tmp_path / "spry-target.toml"
    config.write_text(f'[target]\nca_bundle = "{bundle}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
    env.update({ENV_NAMES[role]: value for role, value in fixed.items()})
    report_dir = tmp_path / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", "--target", base_url, "--config", str(config),
         "--report-dir", str(report_dir), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"requirements": []}
    return Run(completed.returncode, completed.stdout + completed.stderr, summary)


def _requirements(*ids: str) -> list[str]:
    return [arg for rid in ids for arg in ("--requirement", rid)]


def test_clean_tls_server_passes_the_transport_checks(
    tmp_path: Path, tls_target: Starter, pki: tuple[TlsFiles, Path]
) -> None:
    base_url, fixed = tls_target()
    browser_facing = ["SEC-ANTI-FRAMING", "SEC-LOGIN-CSRF", "SEC-NO-SECRET-ECHO", "SEC-CORS"]
    run = run_remote(tmp_path, base_url, fixed, pki[1], *_requirements(*TRANSPORT, *browser_facing))
    assert run.summary["target"]["base_url"] == base_url, run.output[-2000:]
    statuses = run.statuses()
    assert {rid: statuses.get(rid) for rid in TRANSPORT + browser_facing} == dict.fromkeys(
        TRANSPORT + browser_facing, "passed"
    ), run.output[-3000:]
    assert run.code == 0, run.output[-2000:]
    reports = "".join(p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file())
    assert not [value for value in fixed.values() if value in reports], "a secret reached the reports"


def _expected(requirement: str) -> str:
    return "failed" if CATALOGUE.requirements[requirement].level == "MUST" else "warning"


@pytest.mark.parametrize("fault", TLS_FAULTS)
def test_transport_checks_catch_the_fault(
    fault: str, tmp_path: Path, tls_target: Starter, pki: tuple[TlsFiles, Path]
) -> None:
    base_url, fixed = tls_target(fault)
    breaks = list(FAULTS[fault].breaks)
    run = run_remote(tmp_path, base_url, fixed, pki[1], *_requirements(*TRANSPORT))
    observed = {rid: run.statuses().get(rid, "absent") for rid in TRANSPORT}
    wanted = {rid: _expected(rid) if rid in breaks else "passed" for rid in TRANSPORT}
    assert observed == wanted, f"fault {fault}: expected {wanted}, observed {observed}\n{run.output[-3000:]}"
    assert run.code == (1 if "failed" in wanted.values() else 0), run.output[-2000:]


def test_every_transport_fault_breaks_a_transport_requirement() -> None:
    assert TLS_FAULTS, "no fault is declared needs_tls"
    for name in TLS_FAULTS:
        assert set(FAULTS[name].breaks) <= set(TRANSPORT), name


def test_plain_http_loopback_target_skips_with_the_reason(tmp_path: Path) -> None:
    """On the embedded server (plain HTTP on loopback) the transport checks skip and say why."""
    from tests.support import run_suite

    run = run_suite(tmp_path, *_requirements(*TRANSPORT))
    reasons = {r["id"]: (r["status"], r["reason"]) for r in run.summary["requirements"]}
    for rid in TRANSPORT:
        status, reason = reasons[rid]
        assert status == "skipped" and "plain-http loopback" in reason, (rid, status, reason)
    # nothing was checked: not a pass (the verdict is incomplete, exit 1)
    assert run.code == 1 and run.summary["verdict"] == "incomplete", run.output[-2000:]
