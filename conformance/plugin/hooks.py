"""The run's pytest hooks, bound to one process's `RunState` (no module-level state).

Per check: select it by profile and requirement, skip what the run does not allow, classify its
report into the contract's status with its evidence. At the end: one `RunRecord`, read by every writer.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.errors import ConformanceError
from conformance.masking import mask_files, shown
from conformance.plugin.expiry import begin_early as begin_expiry_early
from conformance.plugin.expiry import schedule as schedule_expiry
from conformance.plugin.outcome import (
    PROPERTY,
    check_id,
    classify,
    describe_exception,
    properties,
    requirement_of,
)
from conformance.plugin.start import invocation_of, replay_variables, secret_names
from conformance.plugin.xdist import is_worker
from conformance.replay import add_replays
from conformance.results import CheckResult
from conformance.run.record import BUDGET_SPENT, TIME_LIMIT, RunRecord, record_of, write_suite_error_summary
from conformance.run.state import GENERATED, NOTE, RunState
from conformance.verdict import Violation

if TYPE_CHECKING:
    from conformance.bundle import Signer

_SETUP_SECONDS = pytest.StashKey[float]()


class RunHooks:
    def __init__(self, state: RunState, config: pytest.Config) -> None:
        self.state = state
        self.config = config
        self.record: RunRecord | None = None  # set once, when the checks are done
        self.signer: Signer | None = None  # signs evidence.zip once every report is written

    # Collection -----------------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        known = self.state.catalogue.requirements
        options = self.state.options
        selected, deselected = [], []
        for item in items:
            rid = requirement_of(item)
            if rid is None:
                raise pytest.UsageError(
                    f"{item.nodeid}: a check must name its requirement (@requirement(...))"
                )
            if rid not in known:
                raise pytest.UsageError(f"{item.nodeid}: unknown requirement {rid!r}")
            if options.profile not in known[rid].profiles or (options.only and rid not in options.only):
                deselected.append(item)
            else:
                selected.append(item)
        # Long checks first, so that xdist's workers finish together; checks that send many requests
        # (--aggressive) last, so a throttled target does not starve the others.
        selected.sort(
            key=lambda item: (
                item.get_closest_marker("aggressive") is not None,
                item.get_closest_marker("long") is None,
            )
        )
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected
        schedule_expiry(items, self.state, config)
        self.state.planned = dict(Counter(requirement_of(item) or "" for item in selected))

    # One check ------------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        state = self.state
        state.recorder.take()  # exchanges before this check belong to no check
        state.recorder.take_notes()
        begin_expiry_early(
            item, state, self.config
        )  # a remote target that the run waits for: see plugin.expiry
        if item.get_closest_marker("aggressive") and not state.options.aggressive:
            pytest.skip("sends many requests: runs only with --aggressive")
        budget = state.options.max_requests
        if state.session is not None and budget is not None and state.session.budget.exhausted:
            pytest.skip(f"not run: the request budget of {budget} was spent {BUDGET_SPENT}")
        deadline = state.options.deadline
        if deadline is not None and time.time() >= deadline:
            pytest.skip(f"{TIME_LIMIT} (--max-time {state.options.max_time}) was reached")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        from conformance.reporting.allure import label_check

        label_check(self.state.catalogue.requirements[requirement_of(item) or ""])
        return (yield)

    # trylast: the innermost wrapper, so allure-pytest and the others read the report once it is masked
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
        report = yield
        state = self.state
        if report.when == "teardown" and report.passed:
            return report
        if report.when == "setup" and report.passed:
            item.stash[_SETUP_SECONDS] = (
                report.duration
            )  # fixtures (a campaign run) count as the check's time
            return report
        requirement = state.catalogue.requirements[requirement_of(item) or ""]
        status, message = classify(report, call, requirement.level, state.options.strict)
        if status == "passed" and report.failed:  # a MAY the check saw unmet: observed, not a finding
            report.outcome, report.longrepr = "passed", None
        elif status == "passed":
            message = "; ".join(properties(item, NOTE))
        sent = state.recorder.sent()
        exchanges, dropped = state.recorder.take()
        # a deviation's text quotes the target's answer: masked and made printable like every message
        deviations = [{**d.to_dict(), "problem": shown(d.problem)} for d in state.recorder.take_deviations()]
        if call.excinfo is not None and isinstance(call.excinfo.value, Violation):
            seen = {id(e) for e in exchanges}
            exchanges = [e for e in call.excinfo.value.exchanges if id(e) not in seen] + exchanges
        evidence = state.recorder.evidence(status, exchanges)
        if status in {"failed", "warning", "error"} and state.target is not None:
            add_replays(evidence, replay_variables(state.target))
        if dropped:
            evidence.append({"note": f"{dropped} more exchanges left out"})
        # a login's screenshot, a login command's report that could not be read (conformance/login/)
        evidence += [
            {key: shown(value) for key, value in note.items()} for note in state.recorder.take_notes()
        ]
        if status == "error":
            if exchanges:
                message += f" (the last request: {exchanges[-1].method} {exchanges[-1].url})"
            if call.excinfo is not None and not isinstance(call.excinfo.value, ConformanceError):
                # not a state of the target but the suite's own surprise: the traceback, masked, for a bug report
                evidence.append({"note": "traceback (for a bug report): " + shown(str(report.longrepr))})
        message = shown(message)  # masked, and no control character from the target reaches a terminal
        if status in {"failed", "warning", "error"}:
            report.longrepr = message
        elif status == "skipped" and isinstance(report.longrepr, tuple):
            prefix = "Skipped: " if str(report.longrepr[2]).startswith("Skipped: ") else ""
            report.longrepr = (report.longrepr[0], report.longrepr[1], prefix + message)
        report.sections = [(title, shown(content)) for title, content in report.sections]
        if status == "warning":
            report.outcome = "passed"  # a SHOULD broken warns; the requirement matrix says so
        outcome = {
            "check": check_id(item),
            "requirement": requirement.id,
            "status": status,
            "message": message,
            "evidence": evidence,
            "requests": sent,  # by the suite: a login command's reported requests are not counted
            # Requests a generated-input check (fuzzing, properties) generated, as it records them.
            "generated": sum(properties(item, GENERATED)),
            "setup_s": item.stash.get(_SETUP_SECONDS, 0.0) if report.when == "call" else 0.0,
            "deviations": deviations,
            # for the progress line: how many checks this requirement has, and how many requirements run
            "planned": state.planned.get(requirement.id, 1),
            "planned_requirements": len(state.planned),
        }
        report.user_properties.append((PROPERTY, outcome))
        if report.when == "call" and status in {"failed", "warning", "error"}:  # Allure lean: findings only
            from conformance.reporting.allure import attach_evidence

            attach_evidence(evidence, outcome["message"], state.options.report_dir)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """In the process that writes the reports (xdist's controller or the only one): keep the outcome."""
        results = self.state.results
        for name, carried in report.user_properties:
            if name != PROPERTY:
                continue
            value: dict[str, Any] = carried  # type: ignore[assignment]  # the outcome built above, as xdist carries it
            previous = results.get(value["check"])
            if previous is None or report.when != "teardown" or value["status"] in {"error", "failed"}:
                results[value["check"]] = CheckResult(
                    nodeid=value["check"],
                    requirement=value["requirement"],
                    status=value["status"],
                    message=value["message"],
                    evidence=value["evidence"],
                    duration=round(
                        report.duration + value.get("setup_s", 0.0) + (previous.duration if previous else 0),
                        3,
                    ),
                    requests=value["requests"],
                    generated=value.get("generated", 0),
                    deviations=[*(previous.deviations if previous else []), *value.get("deviations", [])],
                )

    # The session ----------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from conformance.reporting.allure import mask_status_details

        mask_status_details()  # allure-pytest's own record of a failure is masked before it is written
        self.state.started = time.time()
        if not is_worker(session.config):  # the process that writes the reports
            threading.Thread(target=_prepare_reports, name="spry-reports", daemon=True).start()

    # tryfirst: before xdist waits for its workers to exit, so the reports are written meanwhile
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if is_worker(session.config) or session.config.option.spry_list:
            return  # a worker's results go to the controller; a listing writes no report
        from conformance.bundle import (  # the controller's alone (cryptography: not in workers)
            BUNDLE_NAME,
            signer,
        )
        from conformance.reporting import write_reports

        try:
            self.record = record_of(self.state)
            self.signer = signer(self.state.target.evidence.signing_key_file if self.state.target else None)
            write_reports(self.record, bundle={"file": BUNDLE_NAME, "signer": self.signer.fingerprint,
                                               "run_key": not self.signer.own})  # fmt: skip
        except Exception as error:  # pytest would let this escape pytest.main as a traceback
            self._suite_bug(error, traceback.format_exc())
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
            self.record = None
            return
        if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED if self.record.failed else pytest.ExitCode.OK

    # the outermost wrapper: the summary, and its closing line, come after pytest's own (failures, -r lines)
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> Any:
        result = yield
        if self.record is None or not self.record.requirements:
            return result
        from conformance.bundle import BUNDLE_NAME, PUBLIC_KEY_NAME
        from conformance.reporting.terminal import write_summary

        evidence = ""
        if self.signer is not None:
            whose = (
                "your signing key"
                if self.signer.own
                else f"a key made for this run (public key: {PUBLIC_KEY_NAME})"
            )
            evidence = (f"evidence {self.record.report_dir / BUNDLE_NAME} signed by {whose}, "
                        f"fingerprint {self.signer.fingerprint}")  # fmt: skip
        write_summary(
            terminalreporter, self.record, mode=config.option.spry_output or "normal", evidence=evidence
        )
        return result

    def pytest_internalerror(self, excrepr: Any, excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
        self._suite_bug(excinfo.value, str(excrepr))
        return True  # pytest prints no INTERNALERROR traceback

    def _bundle(self, record: RunRecord, signing: Signer) -> None:
        """evidence.zip, once every writer (allure-pytest's too) is done, signed (the terminal has named it)."""
        target = self.state.target
        run = {"manifest": record.manifest, "configuration": target.fingerprint() if target else {},
               "secrets_from_environment": secret_names(target) if target else []}  # fmt: skip
        try:
            from conformance.bundle import write_bundle

            mask_files(record.report_dir / "allure-results")
            write_bundle(record.report_dir, run, signing)
        except (OSError, ValueError) as error:
            sys.stderr.write(f"spry-conformance: evidence.zip not written: {shown(str(error))}\n")
            return

    def _suite_bug(self, error: BaseException, details: str) -> None:
        """A bug of the suite itself: one line on the terminal, the masked traceback in suite-error.txt,
        summary.json still written, and `run` exits 4 (the contract's exit table)."""
        directory = self.state.options.report_dir
        line = describe_exception(error)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "suite-error.txt").write_text(shown(details) + "\n", encoding="utf-8")
            if not (directory / "summary.json").is_file():
                write_suite_error_summary(self.state, shown(line))
        except Exception:  # the report folder is the problem: the line below still says what happened
            pass
        invocation = invocation_of(self.config)
        if invocation is not None:
            invocation.suite_error = shown(line)
        sys.stderr.write(f"spry-conformance: internal error (a bug of the suite, please report it): {shown(line)}; "
                         f"the traceback is in {directory / 'suite-error.txt'}\n")  # fmt: skip

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        junit = getattr(
            config.option, "xmlpath", None
        )  # pytest's own --junitxml, when a user adds it after --
        if junit and Path(junit).is_file():
            mask_files(Path(junit))
        state = self.state
        if state.expiry is not None:
            state.expiry.close()
        if self.record is not None and self.signer is not None and not is_worker(config):
            self._bundle(self.record, self.signer)
        if state.session is not None:
            state.session.close()
        if state.server is not None:
            state.server.stop()
        if is_worker(config):
            # An xdist worker exits right after this: a final garbage collection over every object of the run
            # would only delay the controller, which waits for each worker to end (about 0.25 s each).
            gc.freeze()


def _prepare_reports() -> None:
    """Compile the report template while the checks run (xdist's controller is idle until the end)."""
    try:
        from conformance.reporting.html import prepare

        prepare()
    except Exception:  # the report is written at the end regardless, and says what went wrong then
        pass
