"""The GitHub Action's steps, run as the runner would run them: each `run:` script with its `env:`, in order.

`${{ ... }}` expressions are filled in from the inputs (defaults unless the test gives one),
`github.action_path`, `runner.temp` and the outputs earlier steps wrote to `$GITHUB_OUTPUT`. The `uses:`
steps (setup-python, upload-artifact, upload-sarif) are GitHub's own and are checked for their
conditions, not run. The install step installs the built wheel (a path pip takes like the action's
folder) with the dependencies seen through PYTHONPATH from this venv, so no network is needed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)  # fmt: skip
    return next(out.glob("spry_conformance-*.whl"))


def _run_action(
    workspace: Path, action_path: Path, inputs: dict[str, str]
) -> tuple[dict[str, dict[str, str]], list[int]]:
    """Run the action's `run:` steps in order; return each step's outputs and exit codes."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    temp = workspace / "runner-temp"
    temp.mkdir()
    outputs: dict[str, dict[str, str]] = {}

    def fill(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("inputs."):
                return values[name.removeprefix("inputs.")]
            if name.startswith("steps."):
                step, _, key = name.removeprefix("steps.").partition(".outputs.")
                return outputs.get(step, {}).get(key, "")
            return {"github.action_path": str(action_path), "runner.temp": str(temp)}[name]

        return _EXPRESSION.sub(one, text)

    codes = []
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRY_", "PYTEST_"))}
    base_env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]  # the dependencies, not the checkout's package
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue
        if not _holds(step.get("if", ""), values):
            continue
        output_file = workspace / f"output-{len(codes)}"
        output_file.touch()
        env = (
            base_env
            | {k: fill(str(v)) for k, v in step.get("env", {}).items()}
            | {"GITHUB_OUTPUT": str(output_file)}
        )
        assert "${{" not in step["run"], "a script must read its inputs from env:, never from ${{ }}"
        done = subprocess.run([step.get("shell", "bash"), "-e", "-c", step["run"]], cwd=workspace, env=env,
                              capture_output=True, text=True, timeout=900)  # fmt: skip
        codes.append(done.returncode)
        outputs[step.get("id", f"step{len(codes)}")] = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
        if done.returncode and step is not ACTION["runs"]["steps"][-1]:
            raise AssertionError(
                f"step {step.get('name')} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
    return outputs, codes


def _holds(condition: str, values: dict[str, str]) -> bool:
    """A `run:` step's condition: none, or `inputs.NAME == 'VALUE'` (the only form they use)."""
    if not condition:
        return True
    match = re.fullmatch(r"inputs\.([\w-]+) == '([^']*)'", condition.strip())
    assert match, f"unexpected condition on a run: step: {condition}"
    return values[match.group(1)] == match.group(2)


def test_action_installs_runs_and_exposes_the_verdict(wheel: Path, tmp_path: Path) -> None:
    outputs, codes = _run_action(
        tmp_path, wheel, {"args": "--requirement CC-NO-REFRESH-TOKEN", "report-dir": "out"}
    )
    assert outputs["run"]["verdict"] == "pass" and outputs["run"]["exit-code"] == "0"
    assert codes == [0, 0, 0]
    assert (tmp_path / "out" / "report.html").is_file() and (tmp_path / "out" / "summary.json").is_file()


def test_a_failed_run_fails_the_action_after_the_reports(wheel: Path, tmp_path: Path) -> None:
    fault = "--fault cc-anonymous-accepted --requirement CC-CLIENT-AUTH-REQUIRED"
    outputs, codes = _run_action(tmp_path, wheel, {"args": fault, "report-dir": "out"})
    assert outputs["run"]["verdict"] == "fail" and outputs["run"]["exit-code"] == "1"
    assert codes[-1] == 1, "the last step fails the job"
    assert (tmp_path / "out" / "report.html").is_file()


def test_uploads_run_whatever_the_verdict_and_sarif_only_when_written() -> None:
    steps: list[dict[str, Any]] = ACTION["runs"]["steps"]
    uploads = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert uploads["actions/upload-artifact"]["if"] == "always()"
    assert uploads["actions/upload-artifact"]["with"]["path"] == "${{ inputs.report-dir }}"
    sarif = uploads["github/codeql-action/upload-sarif"]
    assert sarif["if"].startswith("always()") and "steps.run.outputs.sarif != ''" in sarif["if"]
    assert set(ACTION["outputs"]) >= {"verdict", "exit-code", "report-dir"}
    assert ACTION["runs"]["using"] == "composite"
