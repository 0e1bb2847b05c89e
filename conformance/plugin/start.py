"""Starting a run in one pytest process: options read, the target loaded, the server started, preflight."""

from __future__ import annotations

import os
import random
import tomllib
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.config import embedded_target, load_target
from conformance.errors import ConfigError, PreflightFailed
from conformance.http import Session
from conformance.masking import masker, shown
from conformance.plugin.xdist import distributed, is_worker, worker_count, worker_input
from conformance.run.preflight import check_faults, preflight
from conformance.run.state import Invocation, RunOptions, RunState
from conformance.waivers import load_waivers


def is_active(config: pytest.Config) -> bool:
    """The plugin stays inert in a pytest run that collects no check and names no `--spry-*` option."""
    option = config.option
    if option.spry_config or option.spry_target or option.spry_fault or option.spry_requirement:
        return True
    return any("conformance.checks" in str(a) or "conformance/checks" in str(a) for a in config.args)


def invocation_of(config: pytest.Config) -> Invocation | None:
    """The CLI's `Invocation`, when `spry-conformance run` started this pytest run."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, Invocation):
            return plugin
    return None


def start_run(config: pytest.Config) -> RunState:
    """Read the options and the target (no request is sent yet)."""
    option = config.option
    catalogue = load_catalogue()
    worker = worker_input(config)
    seed = worker["spry_seed"] if worker else option.spry_seed
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    waivers = load_waivers(option.spry_waivers, set(catalogue.requirements)) if option.spry_waivers else []
    unknown = [r for r in option.spry_requirement if r not in catalogue.requirements]
    if unknown:
        raise ConfigError(f"--spry-requirement: unknown requirement {unknown[0]!r}")
    config_file = option.spry_config or config.getini("spry_config") or None
    embedded = not (option.spry_target or os.environ.get("SPRY_BASE_URL") or _file_names_target(config_file))
    if option.spry_login != "form" and not embedded:
        raise ConfigError("--login applies to the embedded reference server only (drop --target)")
    if (option.spry_fault or option.spry_variant) and not embedded:
        raise ConfigError("--fault and --variant apply to the embedded reference server only (drop --target)")
    max_requests = option.spry_max_requests
    options = RunOptions(
        profile=option.spry_profile,
        strict=option.spry_strict,
        budget=option.spry_budget,
        aggressive=option.spry_aggressive,
        seed=seed,
        report_dir=Path(option.spry_report_dir),
        only=frozenset(option.spry_requirement),
        waivers=tuple(waivers),
        faults=tuple(option.spry_fault),
        variants=tuple(option.spry_variant),
        login=option.spry_login,
        embedded=embedded,
        distributed=distributed(config),
        # each xdist worker gets its share of the budget
        max_requests=None if max_requests is None else max(1, -(-max_requests // worker_count(config))),
    )
    state = RunState(options=options, catalogue=catalogue)
    invocation = invocation_of(config)
    state.command = invocation.command if invocation else _command_line(config)
    if embedded:
        check_faults(options.faults, options.variants)
    else:
        state.target = load_target(config_file, base_url=option.spry_target)
        masker.register_configured(*state.target.secrets())
    login = state.target.user.login if state.target else None
    if (login and login.method == "browser") or options.login == "spa":
        from conformance.login import browser, chromium

        chromium.find_browser(login.browser if login else None)  # none: exit 2 saying how to install one
        browser.SCREENSHOTS["dir"] = options.report_dir / "login"
    return state


def connect(state: RunState, config: pytest.Config) -> None:
    """Start the embedded server (when there is no target), open the session, run the preflight."""
    if state.options.embedded:
        from conformance.reference import ReferenceServer, ServerSettings

        options = state.options
        server = ReferenceServer(
            ServerSettings(
                faults=frozenset(options.faults), variants=frozenset(options.variants), login=options.login
            )
        )
        server.start()
        state.server = server
        method = "browser" if options.login == "spa" else "form"
        state.target = embedded_target(server.base_url, server.credentials, login_method=method)
        masker.register_configured(*state.target.secrets())
    target = state.target
    assert target is not None
    workers = worker_count(config)
    state.session = Session(
        base_url=target.base_url,
        masker=masker,
        recorder=state.recorder,
        timeout=target.timeout,
        verify=target.ca_bundle or target.verify_tls,
        max_rps=target.max_rps / workers if target.max_rps else 0.0,
        max_requests=state.options.max_requests,
        max_retry_wait=target.max_retry_wait,
        password_origins=target.user.login.allowed_origins,
        passwords=(target.user.password or "",),
    )
    if not is_worker(config):
        _checked(state, config, state.session)


def preflight_only(state: RunState, config: pytest.Config) -> None:
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
        _checked(state, config, session)
    finally:
        session.close()


def _checked(state: RunState, config: pytest.Config, session: Session) -> None:
    assert state.target is not None
    try:
        preflight(session, state.target)
    except PreflightFailed as error:
        invocation = invocation_of(config)
        if invocation is not None:
            invocation.unreachable = str(error)
        pytest.exit(f"spry-conformance: {shown(str(error))}", returncode=3)
    finally:
        state.requests_outside_checks = session.requests_sent
        state.recorder.take()  # the preflight's exchanges belong to no check


def _command_line(config: pytest.Config) -> str:
    import shlex

    return "pytest " + " ".join(shlex.quote(str(a)) for a in config.invocation_params.args)


def _file_names_target(config_file: str | None) -> bool:
    if not config_file:
        return False
    try:
        with open(config_file, "rb") as handle:
            return "base_url" in tomllib.load(handle).get("target", {})
    except (OSError, tomllib.TOMLDecodeError):
        return True  # load_target reports the problem
