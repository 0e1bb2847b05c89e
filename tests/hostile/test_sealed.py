"""`spry-conformance run` is sealed from the user's pytest set-up: only what follows `--` reaches pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import run_suite

REQUIREMENTS = ("--requirement", "CC-SUCCESS", "--requirement", "TOKEN-TYPE-BEARER")


@pytest.mark.slow
def test_working_directory_pytest_setup_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --collect-only\n")
    (tmp_path / "tox.ini").write_text("[pytest]\naddopts = -x --co\n")
    (tmp_path / "setup.cfg").write_text("[tool:pytest]\naddopts = --co\n")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = '--co'\n")
    (tmp_path / "conftest.py").write_text("raise SystemExit('the user conftest was loaded')\n")
    run = run_suite(
        tmp_path, *REQUIREMENTS, env={"PYTEST_ADDOPTS": "--collect-only", "PYTEST_PLUGINS": "nonexistent"}
    )
    assert run.code == 0, run.output
    assert run.statuses() == {"CC-SUCCESS": "passed", "TOKEN-TYPE-BEARER": "passed"}
    assert "user conftest" not in run.output


@pytest.mark.slow
def test_what_follows_the_separator_still_reaches_pytest(tmp_path: Path) -> None:
    run = run_suite(tmp_path, *REQUIREMENTS, "--", "--collect-only")
    # pytest listed the checks (its own count line gives way to the requirements' closing line), the preflight
    # alone was sent, and a run that checked nothing is not a pass
    assert "test_client_credentials.py::test_valid_request_gets_access_token" in run.output, run.output
    assert run.summary["requests_sent"] <= 1 and run.summary["verdict"] == "incomplete", run.output
