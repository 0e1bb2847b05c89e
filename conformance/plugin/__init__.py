"""The pytest plugin: options, the run's fixtures, and one outcome per requirement.

Registered through the `pytest11` entry point, so `pytest --pyargs conformance.checks
--spry-config FILE` works as well as `spry-conformance run`. The plugin stays inert in a
pytest run that collects no check and names no `--spry-*` option.

- `start`: a run begins in each process (options, target, embedded server, preflight);
- `hooks`: `RunHooks`, bound to that process's `RunState`, turns reports into outcomes and a `RunRecord`;
- `fixtures`: `target`, `http`, `clock`, `budget`, `run_seed` for the checks;
- `xdist`: scheduling, the seed and the request budget across workers.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.catalogue import PROFILES
from conformance.errors import ConfigError
from conformance.masking import install_log_masking
from conformance.plugin.expiry import expiry
from conformance.plugin.fixtures import STATE, budget, clock, http, run_seed, spry_run, target
from conformance.plugin.hooks import RunHooks
from conformance.plugin.listing import ListingHooks
from conformance.plugin.progress import ProgressHooks
from conformance.plugin.start import connect, is_active, preflight_only, start_run
from conformance.plugin.xdist import XdistHooks, is_worker, wants_loadgroup, worker_input

__all__ = [
    "budget",
    "clock",
    "expiry",
    "http",
    "run_seed",
    "spry_run",
    "target",
]  # the fixtures pytest finds here


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spry", "spry-conformance")
    group.addoption("--spry-config", help="target configuration file (spry-target.toml)")
    group.addoption("--spry-target", help="base URL of the server under test (default: the embedded server)")
    group.addoption(
        "--spry-fault", action="append", default=[], help="embedded server: switch on a named fault"
    )
    group.addoption(
        "--spry-variant", action="append", default=[], help="embedded server: switch on a named variant"
    )
    group.addoption(
        "--spry-login",
        default="form",
        choices=("form", "spa"),
        help="embedded server: its login pages (spa: built by a script; the browser logs in)",
    )
    group.addoption("--spry-profile", default="spry", choices=PROFILES, help="requirement profile")
    group.addoption("--spry-strict", action="store_true", help="SHOULD-level findings fail the run")
    group.addoption("--spry-budget", default="ci", choices=("ci", "certification"), help="fuzzing depth")
    group.addoption("--spry-aggressive", action="store_true", help="also run checks that send many requests")
    group.addoption("--spry-max-requests", type=int, help="stop sending after N requests")
    group.addoption("--spry-wait-for-expiry", action="store_true",
                    help="remote target: wait for real token and code lifetimes (obtained at the start)")  # fmt: skip
    group.addoption("--spry-report-dir", default="reports", help="where the reports go")
    group.addoption("--spry-waivers", help="accepted deviations (TOML)")
    group.addoption("--spry-seed", type=int, help="seed for generated inputs")
    group.addoption(
        "--spry-keep-bodies", action="store_true", help="keep resource bodies whole in the evidence"
    )
    group.addoption(
        "--spry-requirement", action="append", default=[], help="only the checks of this requirement"
    )
    group.addoption("--spry-expected-skips", help="expected skips (TOML); implies --spry-fail-on-skip")
    group.addoption("--spry-fail-on-skip", action="store_true",
                    help="a MUST skipped without being expected makes the verdict incomplete")  # fmt: skip
    group.addoption("--spry-baseline", help="an earlier run's summary.json or results.json to compare with")
    group.addoption("--spry-fail-on", choices=("failure", "regression"), default="failure",
                    help="regression: only regressions against --spry-baseline fail the run")  # fmt: skip
    group.addoption("--spry-max-time", type=float, help="seconds after which no further check starts")
    group.addoption("--spry-output", choices=("normal", "verbose", "quiet"),
                    help="the suite's own progress and summary instead of pytest's dots")  # fmt: skip
    group.addoption("--spry-list", action="store_true",
                    help="list what would run and why, sending no request (with --collect-only)")  # fmt: skip
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
    config.addinivalue_line(
        "markers", "expiry(begin): an expiry check; begin obtains its token or code at the start (run.expiry)"
    )
    if not is_active(config):
        return
    install_log_masking()
    worker = worker_input(config)
    if worker and worker.get("spry_loadgroup"):
        config.option.loadgroup = True  # xdist then sends each xdist_group to one worker
    try:
        state = start_run(config)
    except ConfigError as error:
        raise pytest.UsageError(f"spry-conformance: {error}") from None
    config.stash[STATE] = state
    config.pluginmanager.register(RunHooks(state, config), "spry-run")
    if config.option.spry_output and not is_worker(config):
        config.pluginmanager.register(
            ProgressHooks(state, config, config.option.spry_output), "spry-progress"
        )
    if config.option.spry_list:
        config.pluginmanager.register(ListingHooks(state), "spry-list")
        return  # a listing sends no request: no server, no session, no preflight
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(XdistHooks(state.options.seed, state.options.deadline), "spry-xdist")
    if not state.options.distributed:
        connect(state, config)
    elif not state.options.embedded:
        preflight_only(state, config)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Any:
    """xdist: `-n N` alone distributes by `loadgroup`, so a campaign's checks share one campaign run.

    A wrapper runs before xdist turns `-n` into `--dist load`; an explicit `--dist` is left as it is.
    The workers parse the command line again, so `XdistHooks.pytest_configure_node` tells them too.
    """
    if is_active(config) and wants_loadgroup(config):
        config.option.dist = "loadgroup"
    return (yield)
