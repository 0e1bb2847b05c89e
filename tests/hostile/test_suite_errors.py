"""No traceback reaches a user: a check's surprise is an `error` in one line, a suite bug exits 4.

In-process runs (`run_suite_here`) with one function of the suite replaced by one that raises, as a
bug would: the other checks go on, summary.json is still written, and the terminal shows one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.judges import token_strength
from tests.support import run_suite_here


def _raise(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a surprise inside the suite\nwith a second line")


def test_unexpected_exception_in_a_check_is_an_error_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_strength, "estimate", _raise)
    run = run_suite_here(tmp_path, "--requirement", "SEC-ENTROPY-CODE", "--requirement", "CC-SUCCESS")
    assert run.code == 1, run.output
    assert run.statuses() == {"SEC-ENTROPY-CODE": "error", "CC-SUCCESS": "passed"}
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    check = next(
        c for r in results["requirements"] for c in r["check_results"] if r["id"] == "SEC-ENTROPY-CODE"
    )
    assert check["message"].startswith("RuntimeError: a surprise inside the suite with a second line")
    assert "\n" not in check["message"] and "(the last request: " in check["message"]
    assert any(str(e.get("note", "")).startswith("traceback (for a bug report)") for e in check["evidence"])
    assert "Traceback" not in run.output and "raise RuntimeError" not in run.output


def test_a_bug_in_the_suite_itself_exits_4_with_summary_and_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import conformance.reporting as reporting

    monkeypatch.setattr(reporting, "write_junit", _raise)
    run = run_suite_here(tmp_path, "--requirement", "CC-SUCCESS")
    assert run.code == 4, run.output
    assert "internal error (a bug of the suite" in run.output and "RuntimeError: a surprise" in run.output
    assert "INTERNALERROR" not in run.output and "Traceback" not in run.output
    reports = tmp_path / "reports"
    assert json.loads((reports / "summary.json").read_text())["verdict"] in {"pass", "fail"}
    assert "RuntimeError" in (reports / "suite-error.txt").read_text()


def test_allure_records_of_a_failure_are_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """allure-pytest writes the exception message and traceback itself: they are masked before it writes them."""
    from conformance.masking import masker

    leaked = "a-credential-in-an-exception-7f3a9c"
    masker.register(leaked)

    def leaky(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"the check saw {leaked}")

    monkeypatch.setattr(token_strength, "estimate", leaky)
    run_suite_here(tmp_path, "--requirement", "SEC-ENTROPY-CODE")
    allure = tmp_path / "reports" / "allure-results"
    written = "".join(p.read_text(errors="replace") for p in allure.iterdir() if p.is_file())
    assert "RuntimeError" in written, "allure recorded the failure"
    assert leaked not in written
