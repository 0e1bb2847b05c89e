"""Shared helpers of the project's tests: run the suite's CLI against the embedded server.

`run_suite` starts a fresh process, exactly as a user would. `run_suite_here` runs the same
CLI entry point inside the test process: the fault proofs run the suite some 130 times, and
in-process runs skip the 2-3 s of imports each fresh process pays.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Run:
    code: int
    output: str
    summary: dict[str, Any]

    def status(self, requirement: str) -> str:
        return {r["id"]: r["status"] for r in self.summary["requirements"]}[requirement]

    def statuses(self) -> dict[str, str]:
        return {r["id"]: r["status"] for r in self.summary["requirements"]}


def run_suite(tmp_path: Path, *args: str, timeout: float = 600, env: Mapping[str, str] | None = None) -> Run:
    """`spry-conformance run ARGS` in a fresh process; returns its exit code, output and summary.json.

    The process sees none of this one's SPRY_* variables, only those given in `env`."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}, **(env or {})}
    report_dir = tmp_path / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(report_dir), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"requirements": []}
    return Run(completed.returncode, completed.stdout + completed.stderr, summary)


def run_suite_here(tmp_path: Path, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """`spry-conformance run ARGS` in this process (same entry point, same exit codes).

    The run sees none of this process's SPRY_* variables, only those of `env` (a remote target's secrets).
    """
    from conformance import cli

    report_dir = tmp_path / "reports"
    output = io.StringIO()
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("SPRY_")}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), _cwd(tmp_path):
            # the test process already captures output: the inner run captures at sys level only
            code = cli.main(
                ["run", "--report-dir", str(report_dir), *args, "--", "--capture=sys", "-p", "no:xdist"]
            )
    finally:
        for name in env or {}:
            os.environ.pop(name, None)
        os.environ.update(saved)
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"requirements": []}
    return Run(code, output.getvalue(), summary)


@contextlib.contextmanager
def _cwd(path: Path):  # type: ignore[no-untyped-def]
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def throwaway_pki(folder: Path) -> tuple[Any, Path]:
    """A CA nobody trusts and a certificate it issued for 127.0.0.1: (the server's TlsFiles, the CA bundle)."""
    import trustme

    from conformance.reference import TlsFiles

    ca = trustme.CA()
    chain = folder / "server.pem"
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(str(chain))
    bundle = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return TlsFiles(str(chain)), bundle


def benchmark_module(name: str) -> Any:
    """A script of benchmarks/ (not a package), imported by path: `benchmark_module("served").serving(...)`."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"spry_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
