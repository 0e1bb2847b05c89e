"""Shared helpers of the project's tests: run the suite's CLI against the embedded server in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def run_suite(tmp_path: Path, *args: str, timeout: float = 600) -> Run:
    """`spry-conformance run ARGS` in a fresh process; returns its exit code, output and summary.json."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
    report_dir = tmp_path / "reports"
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", "--report-dir", str(report_dir), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip
    summary_path = report_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {"requirements": []}
    return Run(completed.returncode, completed.stdout + completed.stderr, summary)
