"""The terminal while a run goes: requirements, not pytest's dots (`spry-conformance run`, `--spry-output`).

A requirement ends when the last of its selected checks has ended (on any xdist worker); then

- `normal`: on a terminal, one line rewritten in place, `[37/137] AC-CODE-SINGLE-USE`; in a log (no
  terminal), that line at every tenth of the run;
- `verbose` (`-v`): one line per requirement with its status as it stands when it ends,
  `[37/137] PASSED   AC-CODE-SINGLE-USE  An authorization code is redeemed once`;
- `quiet` (`-q`): nothing until the summary.

pytest's own count line (its checks, not the requirements) gives way to the summary's `checks` line,
so the one closing line that counts is the requirements' line.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conformance.plugin.outcome import PROPERTY
from conformance.results import roll_up
from conformance.run.record import deviations_of
from conformance.run.state import RunState
from conformance.waivers import apply_waivers


class ProgressHooks:
    def __init__(self, state: RunState, config: pytest.Config, mode: str) -> None:
        self.state = state
        self.config = config
        self.mode = mode
        self.of: dict[str, tuple[str, int]] = {}  # pytest node id -> (requirement, its number of checks)
        self.done: Counter[str] = Counter()
        self.total = 0
        self.ended = 0
        self.step = 0  # the last tenth of the run printed in a log

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> tuple[str, str, str]:
        """pytest's categories (its tally), without its letters: the progress line says what ended."""
        if report.when == "call":
            return report.outcome, "", ""
        if report.failed:
            return "error", "", ""
        return ("skipped" if report.skipped else ""), "", ""

    @pytest.hookimpl(trylast=True)  # after RunHooks kept the check's result
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, carried in report.user_properties:
            if name == PROPERTY:
                value: dict[str, Any] = carried  # type: ignore[assignment]  # the outcome RunHooks built
                self.of[report.nodeid] = (value["requirement"], int(value.get("planned", 1)))
                self.total = max(self.total, int(value.get("planned_requirements", 0)))
        if report.when != "teardown" or report.nodeid not in self.of:
            return
        requirement, planned = self.of[report.nodeid]
        self.done[requirement] += 1
        if self.done[requirement] == planned:
            self.ended += 1
            self._show(requirement)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        reporter: Any = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        original = reporter.summary_stats

        def summary_stats() -> None:
            """The requirements' closing line is the summary's; pytest's own only when the run made none."""
            hooks: Any = self.config.pluginmanager.get_plugin("spry-run")
            listed = self.config.option.spry_list
            if not listed and (hooks is None or hooks.record is None or not hooks.record.requirements):
                original()

        reporter.summary_stats = summary_stats

    def status_of(self, requirement_id: str) -> str:
        """The requirement's status from the checks that have ended, waivers applied."""
        state = self.state
        requirement = state.catalogue.requirements[requirement_id]
        checks = [c for c in state.results.values() if c.requirement == requirement_id]
        seen = deviations_of(state.results.values(), requirement_id, requirement.level, state.options.strict)
        rolled = roll_up(requirement, checks + ([seen] if seen else []))
        return apply_waivers([rolled], list(state.options.waivers))[0].status

    def _show(self, requirement_id: str) -> None:
        reporter: Any = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or self.mode == "quiet":
            return
        total = max(self.total, self.ended)
        count = f"[{self.ended:>{len(str(total))}}/{total}]"
        if self.mode == "verbose":
            status = self.status_of(requirement_id)
            title = self.state.catalogue.requirements[requirement_id].title
            colour = {
                "failed": "red",
                "error": "red",
                "warning": "yellow",
                "waived": "yellow",
                "passed": "green",
            }
            markup = {colour[status]: True} if status in colour else {}
            reporter.write_line(f"{count} {status.upper():8} {requirement_id}  {title}", **markup)
        elif reporter.isatty():
            reporter.rewrite(f"{count} {requirement_id}", erase=True)
        elif self.ended * 10 // total > self.step or self.ended == total:
            self.step = self.ended * 10 // total
            reporter.write_line(f"{count} {requirement_id}")
