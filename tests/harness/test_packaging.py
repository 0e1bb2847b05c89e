"""A package a stranger can install: the wheel and sdist build, and the wheel works from a fresh venv outside the checkout.

The wheel and sdist are built once (hatchling, the project's build backend, as `python -m build` would
call it). The fresh venv is a new interpreter environment in a temporary folder with the wheel installed
by pip; its dependencies come from this venv's site-packages through a `.pth` line (a plain path: the
editable install of the checkout is not loaded), so the test needs no network and runs in seconds. The
test proves the installed copy, not the checkout, is what runs. `SPRY_PACKAGING_FROM_PYPI=1` installs
the dependencies from PyPI instead (what CI does once a day).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-t", "sdist", "-d", str(out)],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)  # fmt: skip
    (wheel,) = out.glob("spry_conformance-*.whl")
    (sdist,) = out.glob("spry_conformance-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def fresh_venv(dist: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv outside the checkout with the wheel installed into it."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    python = venv / "bin" / "python"
    if os.environ.get("SPRY_PACKAGING_FROM_PYPI") == "1":
        install = [str(python), "-m", "pip", "install", "-q", str(dist["wheel"])]
    else:
        purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        Path(purelib, "spry-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(dist["wheel"])]
    subprocess.run(install, check=True, capture_output=True, timeout=600)
    return venv


def _names(wheel: Path) -> set[str]:
    return set(zipfile.ZipFile(wheel).namelist())


def test_wheel_ships_specs_contract_templates_and_data(dist: dict[str, Path]) -> None:
    names = _names(dist["wheel"])
    specs = {p.relative_to(ROOT).as_posix() for p in (ROOT / "specs").rglob("*") if p.is_file()}
    missing = {f"conformance/{name}" for name in specs} - names
    assert not missing, f"specs/ files missing from the wheel: {sorted(missing)}"
    for needed in ("conformance/reporting/templates/report.html.j2", "conformance/checks/conftest.py",
                   "conformance/reference/server.py", "conformance/contract/README.md",
                   "conformance/contract/spry-target.example.toml"):  # fmt: skip
        assert needed in names
    assert any(n.startswith("conformance/data/") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(dist["wheel"]).read(entry_points).decode()
    assert "spry-conformance = conformance.cli:console" in text
    assert "spry_conformance = conformance.plugin" in text


def test_sdist_holds_the_sources_and_the_docs(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in ("pyproject.toml", "README.md", "conformance/cli/__init__.py", "conformance/contract/spry-target.example.toml",
                   "action.yml", "Containerfile"):  # fmt: skip
        assert needed in names, f"{needed} missing from the sdist"


def test_installed_wheel_runs_the_default_command_outside_the_checkout(
    fresh_venv: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_", "PYTHONPATH"))}
    bin_ = fresh_venv / "bin"
    where = subprocess.run([str(bin_ / "python"), "-c", "import conformance; print(conformance.__file__)"],
                           cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert where.startswith(str(fresh_venv)), f"the checkout was imported, not the wheel: {where}"
    init = subprocess.run([str(bin_ / "spry-conformance"), "init"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert init.returncode == 0, init.stderr
    (tmp_path / "spry-target.toml").rename(
        tmp_path / "starter.toml"
    )  # the default run is the embedded server's
    run = subprocess.run([str(bin_ / "spry-conformance"), "run", "--report-dir", "out", "--", "-n", "2"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] == "pass" and summary["counts"]["passed"] > 100
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "junit.xml").is_file()
    module = subprocess.run([str(bin_ / "python"), "-m", "conformance", "--version"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert module.returncode == 0 and "spry-conformance" in module.stdout
