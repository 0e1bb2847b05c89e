"""Starting a run in one pytest process: options read, the target loaded, the server started, preflight."""

from __future__ import annotations

import os
import random
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.catalogue import load_catalogue
from conformance.compare import load_run
from conformance.config import Target, embedded_target, load_target
from conformance.errors import ConfigError, PreflightFailed
from conformance.evidence import BodyPolicy
from conformance.gates import load_expected_skips
from conformance.http import Network, Session
from conformance.http.network import proxy_passwords
from conformance.masking import masker, shown
from conformance.plugin.xdist import distributed, is_worker, worker_count, worker_input
from conformance.replay import Variable, variables
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
    expected = option.spry_expected_skips
    expected_skips = load_expected_skips(expected, catalogue.requirements) if expected else []
    if option.spry_fail_on == "regression" and not option.spry_baseline:
        raise ConfigError("--fail-on regression needs --baseline OLD_RESULTS (the run to compare with)")
    if option.spry_baseline:
        load_run(option.spry_baseline, "--baseline")  # a bad file is a one-line error now, not at the end
    max_time = option.spry_max_time
    # the controller sets the deadline once; each xdist worker gets the same one
    deadline = None if max_time is None else time.time() + max_time
    if worker:
        deadline = worker.get("spry_deadline")
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
        wait_for_expiry=option.spry_wait_for_expiry,
        fail_on_skip=option.spry_fail_on_skip or bool(expected),
        expected_skips=tuple(expected_skips),
        baseline=Path(option.spry_baseline) if option.spry_baseline else None,
        fail_on=option.spry_fail_on,
        deadline=deadline,
        max_time=_duration_text(max_time) if max_time is not None else "",
        keep_bodies=option.spry_keep_bodies,
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
        # a previous run's screenshots would be bundled as this run's (xdist's workers start later)
        if not worker:
            for stale in browser.SCREENSHOTS["dir"].glob("login-*.png"):
                stale.unlink(missing_ok=True)
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
    state.recorder.policy = body_policy(target, keep_bodies=state.options.keep_bodies)
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
        network=network(target),
    )
    if not is_worker(config):
        _checked(state, config, state.session)


def body_policy(target: Target, *, keep_bodies: bool) -> BodyPolicy:
    """Bodies of the OAuth endpoints kept (masked); any other as its shape, unless --keep-bodies."""
    paths = [target.token_path, target.refresh_path, target.authorize_path]
    if target.jwks_uri:
        paths.append(urlsplit(target.jwks_uri).path)
    return BodyPolicy(oauth_paths=tuple(paths), keep_bodies=keep_bodies, redact=target.evidence.redact)


def secret_names(target: Target) -> list[str]:
    """The environment variables the run read secrets from: names only, never values."""
    names = [
        c.secret_env or f"(embedded {c.name} client secret)"
        for c in target.clients.values()
        if c.client_secret
    ]
    if target.user.password:
        names.append(target.user.password_env or "(embedded user password)")
    return names


#: The variables a replay of the embedded server's evidence reads (`spry-conformance serve` prints the values).
_DEFAULT_SECRET_ENV = {"primary": "SPRY_CLIENT_SECRET", "secondary": "SPRY_SECONDARY_CLIENT_SECRET",
                       "read_only": "SPRY_READER_CLIENT_SECRET"}  # fmt: skip


def replay_variables(target: Target) -> dict[str, Variable]:
    """Masked placeholder -> the environment variable a replay reads instead (conformance.replay)."""
    triples: list[tuple[str, str, str | None]] = [(c.secret_env or _DEFAULT_SECRET_ENV.get(c.name, f"SPRY_{c.name.upper()}_SECRET"), c.client_secret,
                c.client_id) for c in target.clients.values() if c.client_secret]  # fmt: skip
    if target.user.password:
        triples.append((target.user.password_env or "SPRY_USER_PASSWORD", target.user.password, None))
    return variables(triples)


def preflight_only(state: RunState, config: pytest.Config) -> None:
    """xdist controller with a remote target: check it once before the workers start."""
    assert state.target is not None
    session = Session(
        base_url=state.target.base_url,
        masker=masker,
        recorder=state.recorder,
        timeout=state.target.timeout,
        verify=state.target.ca_bundle or state.target.verify_tls,
        network=network(state.target),
    )
    try:
        _checked(state, config, session)
    finally:
        session.close()


def network(target: Target) -> Network:
    """The target's proxy and client certificate, as both senders take them (a proxy's password is masked)."""
    masker.register_configured(*proxy_passwords())
    return Network(proxy=target.proxy, client_cert=target.client_cert, client_key=target.client_key)


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


def _duration_text(seconds: float) -> str:
    """`90 s`, `5 min`, `1.5 h`: the limit as the reason of the checks it stopped."""
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g} s"


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
