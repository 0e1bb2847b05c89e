"""The installed package carries everything it needs: after `pip install`, the suite works from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_specs_templates_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("spry_conformance-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    specs = {p.relative_to(ROOT).as_posix() for p in (ROOT / "specs").rglob("*") if p.is_file()}
    missing = {f"conformance/{name}" for name in specs} - names
    assert not missing, f"specs/ files missing from the wheel: {sorted(missing)}"
    for needed in ("conformance/reporting/templates/report.html.j2", "conformance/checks/conftest.py",
                   "conformance/reference/server.py"):  # fmt: skip
        assert needed in names
    assert any(n.startswith("conformance/data/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "spry-conformance = conformance.cli:console" in text
    assert "spry_conformance = conformance.plugin" in text
