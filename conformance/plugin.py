"""The pytest plugin: options, the run's fixtures, and one outcome per requirement.

Registered through the `pytest11` entry point, so `pytest --pyargs conformance.checks
--spry-config FILE` works as well as `spry-conformance run`. The plugin stays inert in a
pytest run that collects no check and names no `--spry-*` option.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.catalogue import PROFILES, Catalogue, load_catalogue
from conformance.config import ConfigError, Target, embedded_target, load_target
from conformance.errors import PreflightFailed
from conformance.evidence import Recorder
from conformance.http import BudgetExhausted, Session, TargetError
from conformance.masking import masker
from conformance.results import CheckResult, RequirementResult, roll_up
from conformance.run.clock import Clock
from conformance.verdict import Violation, take_notes
from conformance.waivers import Waiver, apply_waivers, load_waivers

PROPERTY = "spry"  # the user property that carries a check's outcome to the controller


#: What the CLI needs to know about the last in-process run (pytest.main returns only a code).
LAST_RUN: dict[str, Any] = {}


@dataclass
class RunState:
    """Everything one pytest process knows about the run."""

    catalogue: Catalogue
    profile: str
    strict: bool
    budget: str
    aggressive: bool
    seed: int
    report_dir: Path
    only: set[str]
    waivers: list[Waiver]
    target: Target | None = None
    session: Session | None = None
    server: Any = None  # the embedded ReferenceServer, when this process runs one
    faults: tuple[str, ...] = ()
    recorder: Recorder = field(default_factory=Recorder)
    started: float = field(default_factory=time.time)
    results: dict[str, CheckResult] = field(default_factory=dict)
    requests_outside_checks: int = 0
    requirement_results: list[RequirementResult] = field(default_factory=list)
    distributed: bool = False
    embedded: bool = False
    max_requests: int | None = None
    command: str = ""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spry", "spry-conformance")
    group.addoption("--spry-config", help="target configuration file (spry-target.toml)")
    group.addoption("--spry-target", help="base URL of the server under test (default: the embedded server)")
    group.addoption(
        "--spry-fault", action="append", default=[], help="embedded server: switch on a named fault"
    )
    group.addoption("--spry-profile", default="spry", choices=PROFILES, help="requirement profile")
    group.addoption("--spry-strict", action="store_true", help="SHOULD-level findings fail the run")
    group.addoption("--spry-budget", default="ci", choices=("ci", "certification"), help="fuzzing depth")
    group.addoption("--spry-aggressive", action="store_true", help="also run checks that send many requests")
    group.addoption("--spry-max-requests", type=int, help="stop sending after N requests")
    group.addoption("--spry-report-dir", default="reports", help="where the reports go")
    group.addoption("--spry-waivers", help="accepted deviations (TOML)")
    group.addoption("--spry-seed", type=int, help="seed for generated inputs")
    group.addoption(
        "--spry-requirement", action="append", default=[], help="only the checks of this requirement"
    )
    parser.addini("spry_config", "target configuration file", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the catalogue requirement a check verifies")
    config.addinivalue_line(
        "markers", "aggressive: the check sends many requests (runs only with --aggressive)"
    )
    config.addinivalue_line(
        "markers",
        "long: the check sends many requests or waits (scheduled first, so parallel workers end together)",
    )
    if not _active(config):
        return
    worker = getattr(config, "workerinput", None)
    if worker and worker.get("spry_loadgroup"):
        config.option.loadgroup = True  # xdist then sends each xdist_group to one worker
    try:
        state = _start_run(config)
    except ConfigError as error:
        raise pytest.UsageError(f"spry-conformance: {error}") from None
    config.stash[_STATE] = state
    if not state.distributed:
        _connect(state, config)
    elif not state.embedded:
        _preflight_only(state)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Any:
    """xdist: `-n N` alone distributes by `loadgroup`, so a campaign's checks share one campaign run.

    A wrapper runs before xdist turns `-n` into `--dist load`; an explicit `--dist` is left as it is.
    The workers parse the command line again, so `pytest_configure_node` tells them too.
    """
    option = config.option
    if _active(config) and getattr(option, "numprocesses", None) and getattr(option, "dist", None) == "no":
        option.dist = "loadgroup"
    return (yield)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the plugin works without xdist too
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker gets the run's seed and its share of the request budget."""
    state = node.config.stash.get(_STATE, None)
    if state is not None:
        node.workerinput["spry_seed"] = state.seed
        node.workerinput["spry_loadgroup"] = node.config.option.dist == "loadgroup"


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    if state.session is not None:
        state.session.close()
    if state.server is not None:
        state.server.stop()
    if hasattr(config, "workerinput"):
        # An xdist worker exits right after this: a final garbage collection over every object of the run
        # would only delay the controller, which waits for each worker to end (about 0.25 s each).
        gc.freeze()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash.get(_STATE, None)
    if state is None:
        return
    known = state.catalogue.requirements
    selected, deselected = [], []
    for item in items:
        rid = _requirement_of(item)
        if rid is None:
            raise pytest.UsageError(f"{item.nodeid}: a check must name its requirement (@requirement(...))")
        if rid not in known:
            raise pytest.UsageError(f"{item.nodeid}: unknown requirement {rid!r}")
        if state.profile not in known[rid].profiles or (state.only and rid not in state.only):
            deselected.append(item)
        else:
            selected.append(item)
    # Long checks first, so that xdist's workers finish together; checks that send many requests (--aggressive)
    # last, so a throttled target does not starve the others.
    selected.sort(
        key=lambda item: (
            item.get_closest_marker("aggressive") is not None,
            item.get_closest_marker("long") is None,
        )
    )
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash.get(_STATE, None)
    if state is None:
        return
    state.recorder.take()  # exchanges before this check belong to no check
    take_notes()
    if item.get_closest_marker("aggressive") and not state.aggressive:
        pytest.skip("sends many requests: runs only with --aggressive")
    budget = state.max_requests
    if state.session is not None and budget is not None and state.session.requests_sent >= budget:
        pytest.skip(f"not run: the request budget (--max-requests {state.max_requests}) was spent")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        from conformance.reporting.allure import label_check

        label_check(state.catalogue.requirements[_requirement_of(item) or ""])
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    state = item.config.stash.get(_STATE, None)
    if state is None or report.when == "teardown" and report.passed:
        return report
    if report.when == "setup" and report.passed:
        item.stash[_SETUP_SECONDS] = report.duration  # fixtures (a campaign run) count as the check's time
        return report
    requirement = state.catalogue.requirements[_requirement_of(item) or ""]
    status, message = _classify(report, call, requirement.level, state.strict)
    if status == "passed":
        message = "; ".join(take_notes())
    exchanges, dropped = state.recorder.take()
    if call.excinfo is not None and isinstance(call.excinfo.value, Violation):
        seen = {id(e) for e in exchanges}
        exchanges = [e for e in call.excinfo.value.exchanges if id(e) not in seen] + exchanges
    evidence = [e.to_dict() for e in exchanges]
    if dropped:
        evidence.append({"note": f"{dropped} more exchanges left out"})
    if status in {"failed", "warning", "error"}:
        report.longrepr = masker.mask(message)
    if status == "warning":
        report.outcome = "passed"  # a SHOULD broken warns; the requirement matrix says so
    outcome = {
        "check": _check_id(item),
        "requirement": requirement.id,
        "status": status,
        "message": masker.mask(message),
        "evidence": evidence,
        "requests": len(exchanges) + dropped,
        # Requests a generated-input check (fuzzing, properties) generated: it records them as a user property.
        "generated": sum(v for k, v in item.user_properties if k == "spry_generated"),
        "setup_s": item.stash.get(_SETUP_SECONDS, 0.0) if report.when == "call" else 0.0,
    }
    report.user_properties.append((PROPERTY, outcome))
    if report.when == "call":
        from conformance.reporting.allure import attach_evidence

        attach_evidence(evidence, outcome["message"])
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _state_of(report)
    if state is None:
        return
    for name, value in report.user_properties:
        if name == PROPERTY:
            previous = state.results.get(value["check"])
            if previous is None or report.when != "teardown" or value["status"] in {"error", "failed"}:
                state.results[value["check"]] = CheckResult(
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
                )


# tryfirst: before xdist waits for its workers to exit, so the reports are written meanwhile
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None or hasattr(session.config, "workerinput"):
        return
    from conformance.reporting import write_reports

    by_requirement: dict[str, list[CheckResult]] = defaultdict(list)
    for result in state.results.values():
        by_requirement[result.requirement].append(result)
    wanted = [r for r in state.catalogue.in_profile(state.profile) if not state.only or r.id in state.only]
    rolled = [roll_up(r, by_requirement.get(r.id, [])) for r in wanted]
    state.requirement_results = apply_waivers(rolled, state.waivers)
    state.command = LAST_RUN.get("command") or _command_line(session.config)
    write_reports(run_record(state, session.config))
    failed = any(r.status in {"failed", "error"} for r in state.requirement_results)
    if exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED if failed else pytest.ExitCode.OK


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or not state.requirement_results:
        return
    from conformance.reporting.terminal import write_summary

    write_summary(terminalreporter, run_record(state, config))


# Fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spry_run(request: pytest.FixtureRequest) -> RunState:
    state = request.config.stash.get(_STATE, None)
    if state is None:
        pytest.skip("not a spry-conformance run")
    if state.session is None:
        _connect(state, request.config)
    return state


@pytest.fixture(scope="session")
def target(spry_run: RunState) -> Target:
    """The server under test, as configured."""
    assert spry_run.target is not None
    return spry_run.target


@pytest.fixture(scope="session")
def http(spry_run: RunState) -> Session:
    """The run's one HTTP session (rate cap, budget, evidence, masking)."""
    assert spry_run.session is not None
    return spry_run.session


@pytest.fixture(scope="session")
def clock(spry_run: RunState) -> Clock:
    """Makes time pass for expiry checks: moved on the embedded server, waited for on a short-lived target."""
    assert spry_run.target is not None
    return Clock(spry_run.target, spry_run.server)


@pytest.fixture(scope="session")
def budget(spry_run: RunState) -> str:
    return spry_run.budget


@pytest.fixture(scope="session")
def run_seed(spry_run: RunState) -> int:
    return spry_run.seed


# The run ----------------------------------------------------------------------------------------

_STATE = pytest.StashKey[RunState]()
_SETUP_SECONDS = pytest.StashKey[float]()


def _active(config: pytest.Config) -> bool:
    option = config.option
    if option.spry_config or option.spry_target or option.spry_fault or option.spry_requirement:
        return True
    return any("conformance.checks" in str(a) or "conformance/checks" in str(a) for a in config.args)


def _start_run(config: pytest.Config) -> RunState:
    option = config.option
    catalogue = load_catalogue()
    worker = getattr(config, "workerinput", None)
    seed = worker["spry_seed"] if worker else option.spry_seed
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    waivers = load_waivers(option.spry_waivers, set(catalogue.requirements)) if option.spry_waivers else []
    unknown = [r for r in option.spry_requirement if r not in catalogue.requirements]
    if unknown:
        raise ConfigError(f"--spry-requirement: unknown requirement {unknown[0]!r}")
    config_file = option.spry_config or config.getini("spry_config") or None
    embedded = not (option.spry_target or os.environ.get("SPRY_BASE_URL") or _file_names_target(config_file))
    if option.spry_fault and not embedded:
        raise ConfigError("--fault applies to the embedded reference server only (drop --target)")
    state = RunState(
        catalogue=catalogue,
        profile=option.spry_profile,
        strict=option.spry_strict,
        budget=option.spry_budget,
        aggressive=option.spry_aggressive,
        seed=seed,
        report_dir=Path(option.spry_report_dir),
        only=set(option.spry_requirement),
        waivers=waivers,
        faults=tuple(option.spry_fault),
        embedded=embedded,
        distributed=_distributed(config),
    )
    workers = _worker_count(config)
    if option.spry_max_requests is not None:
        state.max_requests = max(1, -(-option.spry_max_requests // workers))
    if embedded:
        _check_faults(state.faults)
        state.target = None
    else:
        target = load_target(config_file, base_url=option.spry_target)
        state.target = target
        masker.register(*target.secrets())
    return state


def _connect(state: RunState, config: pytest.Config) -> None:
    """Start the embedded server (when there is no target), open the session, run the preflight."""
    if state.embedded:
        from conformance.reference import ReferenceServer, ServerSettings

        server = ReferenceServer(ServerSettings(faults=frozenset(state.faults)))
        server.start()
        state.server = server
        state.target = embedded_target(server.base_url, server.credentials)
        masker.register(*state.target.secrets())
    target = state.target
    assert target is not None
    workers = _worker_count(config)
    state.session = Session(
        base_url=target.base_url,
        masker=masker,
        recorder=state.recorder,
        timeout=target.timeout,
        verify=target.ca_bundle or target.verify_tls,
        max_rps=target.max_rps / workers if target.max_rps else 0.0,
        max_requests=state.max_requests,
        max_retry_wait=target.max_retry_wait,
    )
    if not hasattr(config, "workerinput"):
        try:
            preflight(state.session, target)
        except PreflightFailed as error:
            _unreachable(error)
        state.requests_outside_checks = state.session.requests_sent
        state.recorder.take()


def _preflight_only(state: RunState) -> None:
    """xdist controller with a remote target: check it once before the workers start."""
    assert state.target is not None
    session = Session(
        base_url=state.target.base_url,
        masker=masker,
        recorder=state.recorder,
        timeout=state.target.timeout,
        verify=state.target.ca_bundle or state.target.verify_tls,
    )
    try:
        preflight(session, state.target)
    except PreflightFailed as error:
        _unreachable(error)
    finally:
        state.requests_outside_checks = session.requests_sent
        session.close()
        state.recorder.take()


def _unreachable(error: PreflightFailed) -> None:
    LAST_RUN["unreachable"] = str(error)
    pytest.exit(f"spry-conformance: {error}", returncode=3)


def preflight(session: Session, target: Target) -> None:
    """Before any check: the target answers, and accepts the primary client's credentials."""
    from conformance.flows.token import client_credentials

    primary = target.client("primary")
    if primary is None:
        secret_env = target.clients["primary"].secret_env
        raise PreflightFailed(f"no secret for the primary client: set {secret_env}")
    try:
        if primary.can("client_credentials"):
            answer = client_credentials(session, target, primary)
            if answer.error == "invalid_client":
                # A target that takes HTTP Basic only (RFC 6749 §2.3.1) is still reachable: CLIENT-AUTH-BODY says so.
                answer = client_credentials(session, target, primary, auth="basic")
            if answer.status in {400, 401} and answer.error in {"invalid_client", "unauthorized_client"}:
                raise PreflightFailed(
                    f"{target.url(target.token_path)} refused the primary client's credentials "
                    f"({answer.status} {answer.error}): check clients.primary and its secret"
                )
            if answer.status == 404:
                raise PreflightFailed(
                    f"{target.url(target.token_path)} answered 404: check target.token_path"
                )
        else:
            session.request("GET", target.authorize_path)
    except (TargetError, BudgetExhausted) as error:
        raise PreflightFailed(f"the target could not be reached: {error}") from None


def _classify(
    report: pytest.TestReport, call: pytest.CallInfo[Any], level: str, strict: bool
) -> tuple[str, str]:
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return "skipped", reason.removeprefix("Skipped: ")
    if report.passed:
        return "passed", ""
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, BudgetExhausted):
        report.outcome = "skipped"
        report.longrepr = ("", 0, f"not run: {error}")
        return "skipped", f"not run: {error} (--max-requests)"
    if report.when == "call" and isinstance(error, AssertionError):
        message = str(error)
        if level == "MUST" or strict and level == "SHOULD":
            return "failed", message
        return "warning", message
    if isinstance(error, TargetError):
        return "error", f"the target did not answer usably: {error}"
    return "error", str(report.longrepr)


def _check_id(item: pytest.Item) -> str:
    """`conformance/checks/test_x.py::test_y[param]`, whatever the rootdir of the run."""
    module = getattr(item, "module", None)
    name = module.__name__.replace(".", "/") + ".py" if module is not None else item.path.name
    return f"{name}::{item.name}"


def _requirement_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("requirement")
    return marker.args[0] if marker and marker.args else None


def _state_of(report: pytest.TestReport) -> RunState | None:
    return _CURRENT.get("state")


_CURRENT: dict[str, RunState] = {}


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        _CURRENT["state"] = state
        state.started = time.time()
        if not hasattr(session.config, "workerinput"):  # the process that writes the reports
            threading.Thread(target=_prepare_reports, name="spry-reports", daemon=True).start()


def _prepare_reports() -> None:
    """Compile the report template while the checks run (xdist's controller is idle until the end)."""
    try:
        from conformance.reporting.html import prepare

        prepare()
    except Exception:  # the report is written at the end regardless, and says what went wrong then
        pass


def _command_line(config: pytest.Config) -> str:
    import shlex

    return "pytest " + " ".join(shlex.quote(str(a)) for a in config.invocation_params.args)


def _distributed(config: pytest.Config) -> bool:
    if hasattr(config, "workerinput"):
        return False
    return bool(getattr(config.option, "numprocesses", None)) and getattr(config.option, "dist", "no") != "no"


def _worker_count(config: pytest.Config) -> int:
    worker = getattr(config, "workerinput", None)
    if worker:
        return int(worker.get("workercount", 1))
    return 1


def _file_names_target(config_file: str | None) -> bool:
    if not config_file:
        return False
    import tomllib

    try:
        with open(config_file, "rb") as handle:
            return "base_url" in tomllib.load(handle).get("target", {})
    except (OSError, tomllib.TOMLDecodeError):
        return True  # load_target reports the problem


def _check_faults(faults: tuple[str, ...]) -> None:
    if not faults:
        return
    from conformance.reference import FAULTS

    known = set(FAULTS)
    for name in faults:
        if name not in known:
            raise ConfigError(f"--fault: unknown fault {name!r} (spry-conformance faults lists them)")
        if FAULTS[name].needs_tls:
            raise ConfigError(
                f"--fault: {name!r} only shows on a TLS server; the embedded server is plain HTTP"
            )


def run_record(state: RunState, config: pytest.Config) -> dict[str, Any]:
    """Everything the reports need, as plain data (the manifest, the requirement matrix, the checks)."""
    from conformance.reporting.manifest import manifest

    finished = time.time()
    requests = state.requests_outside_checks + sum(c.requests for c in state.results.values())
    return {
        "state": state,
        "manifest": manifest(
            state,
            started=state.started,
            finished=finished,
            requests=requests,
            generated=sum(c.generated for c in state.results.values()),
        ),
        "finished": dt.datetime.fromtimestamp(finished, dt.UTC),
        "config": config,
        "version": __version__,
    }
