"""The contract's exit codes: 0 pass, 1 a requirement failed, 2 wrong command or configuration, 3 unreachable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "conformance.cli"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {k: v for k, v in os.environ.items() if not k.startswith("SPRY_")}
    environment.update(env or {})
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=environment
    )


def test_clean_embedded_run_exits_0_and_writes_summary(tmp_path: Path) -> None:
    result = run("run", "--report-dir", "out", "--requirement", "CC-SUCCESS", "--requirement", "TOKEN-TYPE-BEARER",
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert {r["id"]: r["status"] for r in summary["requirements"]} == {
        "CC-SUCCESS": "passed",
        "TOKEN-TYPE-BEARER": "passed",
    }
    assert set(summary) >= {
        "tool",
        "target",
        "profile",
        "started_at",
        "duration_s",
        "requests_sent",
        "seed",
        "counts",
    }
    assert (tmp_path / "out" / "junit.xml").is_file()


def test_fault_on_a_checked_rule_exits_1(tmp_path: Path) -> None:
    result = run("run", "--fault", "token-type-mac", "--requirement", "TOKEN-TYPE-BEARER", "--report-dir", "out",
                 cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TOKEN-TYPE-BEARER" in result.stdout


def test_unreachable_target_exits_3_with_one_clear_line(tmp_path: Path) -> None:
    result = run("run", "--target", "http://127.0.0.1:1", cwd=tmp_path, env={"SPRY_CLIENT_SECRET": "x" * 24})
    assert result.returncode == 3, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and "could not be reached" in lines[0], lines


def test_misspelled_key_exits_2_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "target.toml"
    config.write_text('[target]\nbase_url = "http://127.0.0.1:1"\ntiemout = 3\n')
    result = run("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "target.tiemout" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("run", "--fault", "no-such-fault"), ("run", "--profile", "nope"), ("frobnicate",),
     ("run", "--fault", "token-type-mac", "--target", "http://127.0.0.1:1"), ("run", "--requirement", "NOPE")],
)  # fmt: skip
def test_wrong_command_exits_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    assert run(*args, cwd=tmp_path).returncode == 2


def test_faults_and_requirements_list(tmp_path: Path) -> None:
    faults = run("faults", cwd=tmp_path)
    assert faults.returncode == 0 and "token-type-mac" in faults.stdout
    requirements = run("requirements", cwd=tmp_path)
    assert requirements.returncode == 0 and "TOKEN-TYPE-BEARER" in requirements.stdout


def test_request_budget_marks_the_checks_not_run(tmp_path: Path) -> None:
    result = run("run", "--max-requests", "4", "--report-dir", "out", "--requirement", "CC-SUCCESS",
                 "--requirement", "TOKEN-TYPE-BEARER", "--requirement", "SPRY-TOKEN-FIELDS",
                 "--requirement", "CC-NO-REFRESH-TOKEN", "--requirement", "TOKEN-SCOPE-IN-RESPONSE", cwd=tmp_path)  # fmt: skip
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["requests_sent"] <= 4, summary["requests_sent"]
    not_run = [r for r in summary["requirements"] if r["status"] == "skipped"]
    assert not_run and all("request budget" in r["reason"] for r in not_run), summary["requirements"]
    # checks the budget stopped were not checked: the run cannot pass (as with --max-time)
    assert summary["verdict"] == "incomplete" and result.returncode == 1
    assert f"request budget (--max-requests) was spent: {len(not_run)} check" in result.stdout


def test_waived_failure_passes_until_its_expiry(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.toml"
    args = ("run", "--fault", "token-type-mac", "--requirement", "TOKEN-TYPE-BEARER", "--report-dir", "out",
            "--waivers", str(waivers))  # fmt: skip
    waivers.write_text('[[waiver]]\nrequirement = "TOKEN-TYPE-BEARER"\nreason = "known"\nowner = "sec"\n'
                       "expires = 2999-01-01\n")  # fmt: skip
    result = run(*args, cwd=tmp_path)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert result.returncode == 0 and summary["requirements"][0]["status"] == "waived"
    waivers.write_text(waivers.read_text().replace("2999-01-01", "2020-01-01"))
    result = run(*args, cwd=tmp_path)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert result.returncode == 1 and "expired" in summary["requirements"][0]["reason"]


def test_plain_pytest_route_runs_the_same_checks(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SPRY_")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.checks", "-p", "no:cacheprovider", "-q",
         "--spry-requirement", "CC-SUCCESS", "--spry-report-dir", "out"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:]
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["verdict"] == "pass"


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    import shlex

    command = " ".join(shlex.quote(part) for part in CLI) + " faults | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.stdout.count("\n") == 1 and "breaks" in result.stdout
    assert result.stderr == "", result.stderr


def test_python_dash_m_conformance_and_requirement_ids_in_any_case(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "conformance", "run", "--report-dir", "out",
                             "--requirement", "cc-success"], cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [r["id"] for r in summary["requirements"]] == ["CC-SUCCESS"]


def test_help_lists_exit_codes_environment_and_the_pytest_separator(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for text in ("exit status of run", "SPRY_CLIENT_SECRET", "-- PYTEST_ARGS", "4  the suite itself failed"):
        assert text in result.stdout, text
