"""`spry-conformance run`: the target and flags checked before any request, then one sealed pytest run."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_SUITE_ERROR,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    duration,
    usage,
)


def run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    from conformance.config import load_target
    from conformance.errors import ConfigError
    from conformance.run.preflight import check_faults

    if args.login != "form" and (args.target or args.config or os.environ.get("SPRY_BASE_URL")):
        return usage("--login applies to the embedded reference server only (drop --target)")
    if (args.fault or args.variant) and (args.target or os.environ.get("SPRY_BASE_URL")):
        return usage("--fault and --variant apply to the embedded reference server only (drop --target)")
    if args.max_requests is not None and args.max_requests < 1:
        return usage("--max-requests must be at least 1")
    if args.config is None and not (args.fault or args.variant):
        from conformance.scaffold import working_directory_config

        args.config = working_directory_config()
        if args.config:
            print(f"spry-conformance: using ./{args.config} (found in the working directory; --config FILE to choose another)",
                  file=sys.stderr)  # fmt: skip
    remote = None
    try:
        if args.target or args.config or os.environ.get("SPRY_BASE_URL"):
            target = load_target(args.config, base_url=args.target)
            remote = args.target or os.environ.get("SPRY_BASE_URL") or _names_base_url(args.config)
            primary = target.clients["primary"]
            if (
                remote and not primary.client_secret and not args.list
            ):  # configuration, not the target: exit 2
                raise ConfigError(f"no secret for the primary client: set {primary.secret_env}")
        usable_report_dir(Path(args.report_dir))
        _usable_signing_key(args.config)
        if args.fault or args.variant:
            check_faults(args.fault, args.variant)
        if args.requirement:
            args.requirement = _requirement_ids(args.requirement)
        if args.waivers:
            from conformance.catalogue import load_catalogue
            from conformance.waivers import load_waivers

            load_waivers(args.waivers, set(load_catalogue().requirements))
        gates = _gate_options(args)
    except ConfigError as error:
        return usage(str(error))

    import pytest

    from conformance.run.state import Invocation

    report_dir = Path(args.report_dir)
    # The schemathesis, hypothesis and anyio pytest plugins serve tests written for them (the suite drives
    # schemathesis and hypothesis as libraries, seeded from the run's seed): not loading them saves most of a
    # second in every process of a run, every xdist worker included.
    checks = Path(importlib.util.find_spec("conformance.checks").origin or "").parent  # type: ignore[union-attr]
    # Sealed from the working directory's pytest set-up: our own ini file (-c), rootdir and conftest
    # boundary, and no PYTEST_ADDOPTS or PYTEST_PLUGINS; only what follows `--` reaches pytest.
    options = ["-c", str(checks / "pytest.ini"), "--rootdir", str(checks), "--confcutdir", str(checks),
               str(checks), "-p", "no:cacheprovider", "-p", "no:schemathesis",
               "-p", "no:hypothesispytest", "-p", "no:anyio", "-q", "--no-header",
               "--spry-report-dir", str(report_dir), "--spry-profile", args.profile, "--spry-budget", args.budget,
               "--alluredir", str(report_dir / "allure-results"), "--clean-alluredir",
               "-W", "ignore::pytest.PytestAssertRewriteWarning",
               # Checks judge with expect(), not bare asserts: no rewriting, a faster start.
               "--assert=plain"]  # fmt: skip
    for flag, value in (("--spry-target", args.target), ("--spry-config", args.config),
                        ("--spry-waivers", args.waivers), ("--spry-max-requests", args.max_requests),
                        ("--spry-seed", args.seed)):  # fmt: skip
        if value is not None:
            options += [flag, str(value)]
    options += [f"--spry-fault={name}" for name in args.fault]
    options += [f"--spry-variant={name}" for name in args.variant]
    options += [f"--spry-login={args.login}"] * (args.login != "form")
    options += [f"--spry-requirement={rid}" for rid in args.requirement]
    options += ["--spry-strict"] * args.strict + ["--spry-aggressive"] * args.aggressive
    options += ["--spry-wait-for-expiry"] * args.wait_for_expiry
    options += gates
    if args.list:  # a listing writes no report, Allure's included
        cut = options.index("--alluredir")
        del options[cut : cut + 3]
    elif remote:  # a remote target: the run chooses its workers from the round trip (run/concurrency.py)
        pytest_args = _with_workers(target, args, pytest_args)
    options += ["--spry-keep-bodies"] * args.keep_bodies
    invocation = Invocation(command="spry-conformance " + " ".join(shlex.quote(a) for a in args.invocation))
    try:
        with _without_environment("PYTEST_ADDOPTS", "PYTEST_PLUGINS"):
            code = pytest.main(options + pytest_args, plugins=[invocation])
    except Exception as error:  # a bug of the suite that pytest let through: one line, not a traceback
        from conformance.masking import shown

        text = " ".join(str(error).split())[:300]
        print(f"spry-conformance: internal error (a bug of the suite, please report it): "
              f"{type(error).__name__}: {shown(text)}", file=sys.stderr)  # fmt: skip
        return EXIT_SUITE_ERROR
    if invocation.suite_error:
        return EXIT_SUITE_ERROR
    if invocation.unreachable:
        return EXIT_UNREACHABLE
    if code == pytest.ExitCode.OK:
        return EXIT_PASS
    if code == pytest.ExitCode.TESTS_FAILED:
        return EXIT_FAIL
    if code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        if code == pytest.ExitCode.NO_TESTS_COLLECTED:
            print("spry-conformance: no check was selected", file=sys.stderr)
        return EXIT_USAGE
    print(f"spry-conformance: the run did not complete (pytest exit code {int(code)})", file=sys.stderr)
    return EXIT_FAIL


def _with_workers(target: Any, args: argparse.Namespace, pytest_args: list[str]) -> list[str]:
    """`-n N` as `run.concurrency` chooses it for a remote target, said on the terminal; `-n` given wins."""
    from conformance.run.concurrency import choose, measure_round_trip, pytest_args_choose_workers

    if not pytest_args_choose_workers(pytest_args):
        return pytest_args
    round_trip = measure_round_trip(target)
    if round_trip is None:  # unreachable: the preflight says so in its one line (exit 3)
        return pytest_args
    chosen = choose(round_trip, budget=args.budget, max_rps=target.max_rps, max_requests=args.max_requests)
    print(f"concurrency: {chosen.workers} worker{'s' * (chosen.workers > 1)} ({chosen.why})", flush=True)
    return ["-n", str(chosen.workers), *pytest_args] if chosen.workers > 1 else pytest_args


def _gate_options(args: argparse.Namespace) -> list[str]:
    """The pytest options of the gates, the time limit, the listing and the terminal; bad input raises."""
    from conformance.catalogue import load_catalogue
    from conformance.compare import load_run
    from conformance.errors import ConfigError
    from conformance.gates import load_expected_skips

    options = ["--spry-output", "verbose" if args.verbose else "quiet" if args.quiet else "normal",
               "-o", "console_output_style=classic"]  # fmt: skip
    options += ["--tb=no", "-rN"] * args.quiet  # pytest's failure sections too give way to the summary
    if args.expected_skips:
        load_expected_skips(args.expected_skips, load_catalogue().requirements)
        options += ["--spry-expected-skips", args.expected_skips]
    options += ["--spry-fail-on-skip"] * args.fail_on_skip
    if args.fail_on == "regression" and not args.baseline:
        raise ConfigError("--fail-on regression needs --baseline OLD_RESULTS (the run to compare with)")
    if args.baseline:
        load_run(args.baseline, "--baseline")
        options += ["--spry-baseline", args.baseline, "--spry-fail-on", args.fail_on]
    if args.max_time is not None:
        try:
            seconds = duration(args.max_time)
        except ValueError:
            seconds = -1.0
        if seconds <= 0:
            raise ConfigError(f"--max-time {args.max_time!r}: give a duration such as 90s, 10m or 1h")
        options += ["--spry-max-time", str(seconds)]
    return options + ["--spry-list"] * args.list


@contextlib.contextmanager
def _without_environment(*names: str) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _requirement_ids(given: list[str]) -> list[str]:
    """`--requirement` ids as the catalogue spells them (case-insensitive), or a one-line error with a suggestion."""
    from conformance.catalogue import load_catalogue
    from conformance.config import suggest
    from conformance.errors import ConfigError

    known = {rid.upper(): rid for rid in load_catalogue().requirements}
    found = []
    for rid in given:
        if rid.strip().upper() not in known:
            raise ConfigError(f"--requirement: unknown requirement {rid!r}{suggest(rid.strip().upper(), known)}"
                              " ('spry-conformance requirements' lists them)")  # fmt: skip
        found.append(known[rid.strip().upper()])
    return found


def usable_report_dir(directory: Path) -> None:
    """The report folder exists or can be made, and takes files (checked before any request is sent)."""
    from conformance.errors import ConfigError

    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"--report-dir {directory}: a file is there, not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".spry-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ConfigError(f"--report-dir {directory} cannot be written: {error.strerror or error}") from None


def _usable_signing_key(config_file: str | None) -> None:
    """A configured signing key (SPRY_SIGNING_KEY, [evidence] signing_key_file) is read before any request."""
    from conformance.config import read_toml
    from conformance.errors import ConfigError

    key_file = (
        read_toml(config_file, "configuration file").get("evidence", {}).get("signing_key_file")
        if config_file
        else None
    )
    if not key_file and not os.environ.get("SPRY_SIGNING_KEY"):
        return  # no key to read: the run makes its own when it signs
    from conformance.bundle import BundleError, signer

    try:
        signer(key_file)
    except BundleError as error:
        raise ConfigError(str(error)) from None


def _names_base_url(config_file: str | None) -> bool:
    from conformance.config import read_toml

    return bool(config_file) and "base_url" in read_toml(config_file or "", "configuration file").get(
        "target", {}
    )
