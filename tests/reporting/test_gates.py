"""Certification gates and baselines: --fail-on-skip with an expected-skips file, `compare` and --baseline with
--fail-on regression, a run cut by --max-time, and a pass-through --collect-only that checked nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.compare import kind_of
from tests.support import run_suite_here

#: SEC-TLS-REQUIRED is a MUST the embedded (plain-http loopback) server cannot be judged on: it skips.
GATED = ("--requirement", "CC-SUCCESS", "--requirement", "SEC-TLS-REQUIRED", "--requirement", "SEC-HSTS")
RACE = ("--requirement", "CC-SUCCESS", "--requirement", "SEC-RACE-CODE", "--requirement", "TOKEN-TYPE-BEARER")


def folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A clean run and one with the code-race fault, of the same three requirements: their report folders."""
    found = {}
    for name, extra in (("clean", ()), ("fault", ("--fault", "code-race"))):
        tmp = tmp_path_factory.mktemp(name)
        run = run_suite_here(tmp, *RACE, *extra)
        assert run.code == (0 if name == "clean" else 1), run.output[-2000:]
        found[name] = tmp / "reports"
    return found


def test_a_must_skipped_without_being_expected_makes_the_run_incomplete(tmp_path: Path) -> None:
    run = run_suite_here(tmp_path, *GATED, "--fail-on-skip")
    assert run.code == 1 and run.summary["verdict"] == "incomplete", run.output[-1500:]
    assert run.summary["gate"]["unexpected_skips"] == ["SEC-TLS-REQUIRED"]  # a SHOULD (SEC-HSTS) is no gap
    assert "INCOMPLETE: 3 requirements: 1 passed, 2 skipped" in run.output
    assert "SEC-TLS-REQUIRED (MUST) was skipped and the expected-skips file does not list it" in run.output
    # without the gate the same run passes, as before
    assert run_suite_here(folder(tmp_path / "plain"), *GATED).code == 0


def test_an_expected_skip_keeps_the_run_a_pass(tmp_path: Path) -> None:
    expected = tmp_path / "expected-skips.toml"
    expected.write_text('[[expected_skip]]\nrequirement = "sec-tls-required"\n'
                        'reason = "staging is reached over plain http inside the VPN"\n')  # fmt: skip
    run = run_suite_here(tmp_path, *GATED, "--expected-skips", str(expected))
    assert run.code == 0 and run.summary["verdict"] == "pass", run.output[-1500:]
    entry = {r["id"]: r for r in run.summary["requirements"]}["SEC-TLS-REQUIRED"]
    assert entry["status"] == "skipped" and entry["expected_skip"].startswith("staging is reached")


@pytest.mark.parametrize(
    ("text", "wanted"),
    [('[[expected_skip]]\nrequirement = "SEC-TLS-REQUIRD"\nreason = "x"\n', "did you mean 'SEC-TLS-REQUIRED'"),
     ('[[expected_skip]]\nrequirement = "SEC-TLS-REQUIRED"\n', "'reason' is required"),
     ('[[expected_skips]]\nrequirement = "SEC-TLS-REQUIRED"\n', "unknown key 'expected_skips'"),
     ("not toml [", "")],
)  # fmt: skip
def test_a_bad_expected_skips_file_is_one_line_and_exit_2(tmp_path: Path, text: str, wanted: str) -> None:
    expected = tmp_path / "skips.toml"
    expected.write_text(text)
    result = cli("run", "--expected-skips", str(expected), cwd=tmp_path)
    assert result.returncode == 2 and wanted in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_compare_finds_the_regression_and_the_fix(runs: dict[str, Path], tmp_path: Path) -> None:
    worse = cli("compare", str(runs["clean"]), str(runs["fault"] / "results.json"), cwd=tmp_path)
    assert worse.returncode == 0, worse.stderr
    assert "REGRESSION SEC-RACE-CODE" in worse.stdout and "passed -> failed" in worse.stdout
    assert "1 regression(s), 0 fix(es), 0 new, 0 removed, 0 changed, 2 unchanged" in worse.stdout
    gated = cli(
        "compare", str(runs["clean"]), str(runs["fault"]), "--json", "--fail-on", "regression", cwd=tmp_path
    )
    assert gated.returncode == 1
    data = json.loads(gated.stdout)
    assert data["counts"]["regression"] == 1 and data["changes"][0] == {
        "id": "SEC-RACE-CODE", "title": data["changes"][0]["title"], "kind": "regression",
        "before": "passed", "after": "failed"}  # fmt: skip
    better = cli("compare", str(runs["fault"]), str(runs["clean"]), "--fail-on", "regression", cwd=tmp_path)
    assert better.returncode == 0 and "FIX        SEC-RACE-CODE" in better.stdout


def test_compare_new_and_removed_and_bad_input(runs: dict[str, Path], tmp_path: Path) -> None:
    summary = json.loads((runs["clean"] / "summary.json").read_text())
    summary["requirements"] = summary["requirements"][1:] + [{**summary["requirements"][0], "id": "NEW-ONE"}]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(summary))
    result = cli("compare", str(runs["clean"]), str(other), "--json", cwd=tmp_path)
    counts = json.loads(result.stdout)["counts"]
    assert counts["new"] == 1 and counts["removed"] == 1
    (tmp_path / "junk.json").write_text("{}")
    for bad in ("junk.json", "missing.json"):
        result = cli("compare", bad, str(other), cwd=tmp_path)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_change_kinds() -> None:
    assert (
        kind_of("passed", "failed")
        == kind_of("skipped", "error")
        == kind_of("passed", "warning")
        == "regression"
    )
    assert kind_of("failed", "passed") == kind_of("waived", "passed") == kind_of("warning", "passed") == "fix"
    assert kind_of("passed", "skipped") == kind_of("failed", "waived") == "changed"
    assert kind_of("failed", "failed") is None


def test_fail_on_regression_adopts_known_debt(runs: dict[str, Path], tmp_path: Path) -> None:
    """Against a baseline that already failed it, the same failure does not fail the run; a new one does."""
    known = run_suite_here(folder(tmp_path / "known"), *RACE, "--fault", "code-race", "--baseline", str(runs["fault"]),
                           "--fail-on", "regression")  # fmt: skip
    assert known.code == 0 and known.summary["verdict"] == "fail", known.output[-1500:]
    assert (
        known.summary["gate"]["regressions"] == [] and known.summary["baseline"]["counts"]["unchanged"] == 3
    )
    new = run_suite_here(folder(tmp_path / "new"), *RACE, "--fault", "code-race", "--baseline", str(runs["clean"]),
                         "--fail-on", "regression")  # fmt: skip
    assert new.code == 1 and new.summary["gate"]["regressions"] == ["SEC-RACE-CODE"]
    assert "REGRESSION SEC-RACE-CODE" in new.output and "1 regression(s) against the baseline" in new.output
    # report.html shows the regression above the findings (from results.json's comparison)
    results = json.loads((tmp_path / "new" / "reports" / "results.json").read_text())
    assert results["comparison"]["regressions"] == [{"id": "SEC-RACE-CODE", "was": "passed", "now": "failed"}]
    html = (tmp_path / "new" / "reports" / "report.html").read_text()
    assert "SEC-RACE-CODE" in html.split('id="comparison"', 1)[1].split("</div>", 1)[0]
    # a baseline is read before anything is sent; --fail-on regression needs one
    assert cli("run", "--fail-on", "regression", cwd=tmp_path).returncode == 2
    assert cli("run", "--baseline", str(tmp_path / "nowhere.json"), cwd=tmp_path).returncode == 2


def test_max_time_stops_cleanly_and_the_rest_is_not_run(tmp_path: Path) -> None:
    run = run_suite_here(tmp_path, *RACE, "--max-time", "1ms")
    assert run.code == 1 and run.summary["verdict"] == "incomplete", run.output[-1500:]
    assert {r["status"] for r in run.summary["requirements"]} == {"skipped"}
    assert all(
        r["reason"].startswith("not run: the time limit (--max-time 0.001 s)")
        for r in run.summary["requirements"]
    )
    assert "stopped  the time limit (--max-time) was reached: 3 checks not run" in run.output
    result = cli("run", "--max-time", "soon", cwd=tmp_path)
    assert result.returncode == 2 and "--max-time 'soon'" in result.stderr


def test_a_collect_only_run_is_not_a_pass(tmp_path: Path) -> None:
    from conformance import cli as command

    report_dir = tmp_path / "reports"
    code = command.main(
        ["run", "--report-dir", str(report_dir), *RACE, "--", "--collect-only", "-p", "no:xdist"]
    )
    summary = json.loads((report_dir / "summary.json").read_text())
    assert code == 1 and summary["verdict"] == "incomplete"
    assert summary["counts"]["skipped"] == 3 and summary["counts"]["passed"] == 0


def test_progress_names_the_requirement_and_the_count(tmp_path: Path) -> None:
    verbose = run_suite_here(folder(tmp_path / "v"), *RACE, "-v")
    lines = [line for line in verbose.output.splitlines() if line.startswith("[")]
    assert len(lines) == 3 and all(" PASSED   " in line for line in lines), verbose.output[-1500:]
    assert lines[-1].startswith("[3/3] PASSED")
    normal = run_suite_here(folder(tmp_path / "n"), *RACE)
    assert any(line.startswith("[3/3] ") for line in normal.output.splitlines())  # a log: every tenth
    quiet = run_suite_here(folder(tmp_path / "q"), *RACE, "--fault", "code-race", "-q")
    assert not [line for line in quiet.output.splitlines() if line.startswith("[")]
    assert "FAILED   SEC-RACE-CODE" in quiet.output and "FAIL: 3 requirements" in quiet.output
    assert "target   " not in quiet.output and "_____" not in quiet.output  # no pytest failure sections
