"""A check's outcome from pytest's report: the contract's status and its one-line message."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.errors import BudgetExhausted, TargetError
from conformance.run.record import BUDGET_SPENT

#: The user property that carries a check's outcome from a worker to the controller.
PROPERTY = "spry"


def classify(
    report: pytest.TestReport, call: pytest.CallInfo[Any], level: str, strict: bool
) -> tuple[str, str]:
    """passed, failed (MUST, or SHOULD under --strict), warning (SHOULD), skipped or error."""
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.passed:
        return "passed", ""
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, BudgetExhausted):
        report.outcome = "skipped"
        report.longrepr = ("", 0, f"not run: {error}")
        return "skipped", f"not run: {error} {BUDGET_SPENT}"
    if report.when == "call" and isinstance(error, AssertionError):
        message = str(error)
        if level == "MAY":  # a MAY cannot be broken: what the check saw is reported as observed behaviour
            return "passed", f"observed (a MAY: permitted either way): {message}"
        if level == "MUST" or strict and level == "SHOULD":
            return "failed", message
        return "warning", message
    if isinstance(error, TargetError):
        return "error", f"the target did not answer usably: {one_line(str(error))}"
    if error is not None:
        return "error", describe_exception(error)
    return "error", one_line(str(report.longrepr))


def describe_exception(error: BaseException) -> str:
    """An unexpected exception in plain words: its type and message, on one line (no traceback)."""
    text = one_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def one_line(text: str, limit: int = 400) -> str:
    joined = " ".join(text.split())
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def check_id(item: pytest.Item) -> str:
    """`conformance/checks/test_x.py::test_y[param]`, whatever the rootdir of the run."""
    module = getattr(item, "module", None)
    name = module.__name__.replace(".", "/") + ".py" if module is not None else item.path.name
    return f"{name}::{item.name}"


def requirement_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("requirement")
    return marker.args[0] if marker and marker.args else None


def properties(item: pytest.Item, name: str) -> list[Any]:
    return [value for key, value in item.user_properties if key == name]
