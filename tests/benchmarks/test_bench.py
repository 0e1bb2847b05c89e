"""benchmarks/bench.py keeps working: a quick pass over the sections that drive other tools.

The figures are not judged here (they belong to one machine and one run); the script's plumbing is:
the server in its own process, the suite's CLI, plain `schemathesis run` and its reports, the table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_the_table_and_writes_the_figures(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--only", "fuzz,http", "--quick", "--json", str(figures)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "| measure | figure | detail |" in completed.stdout
    rows = json.loads(figures.read_text())["rows"]
    assert [r["measure"].strip()[:12] for r in rows] == [
        "fuzz campaig",
        "plain `schem",
        "HTTP layer: ",
        "the same thr",
    ]
    assert rows[0]["data"]["requests"] > 0 and rows[1]["data"]["requests"] > 0  # both fuzzers sent requests
    assert rows[2]["data"]["cpu_us_per_request"] > 0
