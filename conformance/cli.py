"""The commands of the contract: run, serve, faults, requirements, report, compare.

Exit status of `run`: 0 every MUST passed (and every SHOULD with --strict); 1 a requirement
failed or the verdict is incomplete (with --fail-on regression: a requirement regressed); 2 the command or its configuration is wrong; 3 the target could not be reached or
refused the configured client credentials before any check ran; 4 the suite itself failed (a bug:
REPORT_DIR/suite-error.txt holds the masked traceback; summary.json is still written).
Any command whose output goes into a closed pipe (`faults | head -1`) ends quietly with 141.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import json
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from conformance import __version__

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_SUITE_ERROR = 0, 1, 2, 3, 4

EPILOG = """\
exit status of run:
  0  every MUST passed (and every SHOULD with --strict)
  1  a requirement failed, a check could not run, or the verdict is incomplete (nothing checked,
     --fail-on-skip found a MUST skipped, --max-time cut the run); with --fail-on regression: a regression
  2  the command or its configuration is wrong (one line names the key)
  3  the target could not be reached, or issued the primary client no token, before any check
  4  the suite itself failed (a bug: REPORT_DIR/suite-error.txt)

environment:
  SPRY_BASE_URL, SPRY_CLIENT_ID, SPRY_CLIENT_SECRET, and the variables the target file's *_env keys name
  (SPRY_SECONDARY_CLIENT_SECRET, SPRY_READER_CLIENT_SECRET, SPRY_USER_PASSWORD by default);
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY for every request unless [target] proxy is set

pytest:
  spry-conformance run ... -- PYTEST_ARGS   anything after -- goes to pytest (-n 4, -k, --durations 10)
"""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    invocation = list(argv)
    pytest_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, pytest_args = argv[:cut], argv[cut + 1 :]
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_PASS
    args.invocation = invocation
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command != "run" and pytest_args:
        print("spry-conformance: arguments after -- go to pytest and apply to 'run' only", file=sys.stderr)
        return EXIT_USAGE
    handler = {
        "run": _run,
        "serve": _serve,
        "faults": _faults,
        "variants": _variants,
        "requirements": _requirements,
        "report": _report,
        "compare": _compare,
        "init": _init,
        "bundle": _bundle,
        "verify": _verify,
    }
    return handler[args.command](args, pytest_args) if args.command == "run" else handler[args.command](args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spry-conformance", description="Conformance and security checks "
                                     "for the Spry API's OAuth 2.0 authorization server.", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--version", action="version", version=f"spry-conformance {__version__}")
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help="run the checks (against the embedded reference server by default)")
    run.add_argument("--target", metavar="URL", help="base URL of the Spry server under test")
    run.add_argument("--config", metavar="FILE", help="target configuration (spry-target.toml)")
    run.add_argument("--report-dir", metavar="DIR", default="reports", help="where the reports go (reports/)")
    run.add_argument("--strict", action="store_true", help="SHOULD-level findings fail the run too")
    run.add_argument("--fault", metavar="NAME", action="append", default=[],
                     help="embedded server only: switch on a named fault (the run must catch it)")  # fmt: skip
    run.add_argument("--variant", metavar="NAME", action="append", default=[],
                     help="embedded server only: switch on a named variant (correct but unusual: no check may fail)")  # fmt: skip
    run.add_argument("--login", choices=("form", "spa"), default="form",
                     help="embedded server only: its login pages (spa: built by a script, logged in with the browser)")  # fmt: skip
    run.add_argument("--profile", choices=("spry", "oauth2"), default="spry")
    run.add_argument("--budget", choices=("ci", "certification"), default="ci")
    run.add_argument("--aggressive", action="store_true", help="also the checks that send many requests")
    run.add_argument("--max-requests", metavar="N", type=int, help="stop after N requests")
    run.add_argument("--wait-for-expiry", action="store_true",
                     help="remote target: check expiry with real lifetimes (the run lasts at least one lifetime)")  # fmt: skip
    run.add_argument("--waivers", metavar="FILE", help="accepted deviations (TOML)")
    run.add_argument("--seed", type=int, help="seed for generated inputs (printed and recorded either way)")
    run.add_argument("--keep-bodies", action="store_true",
                     help="keep resource bodies whole in the evidence (default: their shape, no values)")  # fmt: skip
    run.add_argument("--requirement", metavar="ID", action="append", default=[],
                     help="only the checks of this requirement (repeatable)")  # fmt: skip
    run.add_argument("--expected-skips", metavar="FILE",
                     help="requirements expected to skip on this target, with reasons (TOML; implies --fail-on-skip)")  # fmt: skip
    run.add_argument("--fail-on-skip", action="store_true",
                     help="a MUST skipped without being expected makes the verdict 'incomplete' (exit 1)")  # fmt: skip
    run.add_argument("--baseline", metavar="OLD_RESULTS",
                     help="an earlier run's summary.json or results.json (or its report folder) to compare with")  # fmt: skip
    run.add_argument("--fail-on", choices=("failure", "regression"), default="failure",
                     help="failure (default): any failure exits 1; regression: only regressions against --baseline")  # fmt: skip
    run.add_argument("--max-time", metavar="DURATION",
                     help="start no check after this long (90s, 10m, 1h); the rest are reported 'not run'")  # fmt: skip
    run.add_argument("--list", action="store_true",
                     help="list what would run and what would be skipped, and why, sending no request")  # fmt: skip
    loudness = run.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="each requirement's status as it ends")
    loudness.add_argument("-q", "--quiet", action="store_true", help="only the summary")

    compare = commands.add_parser(
        "compare", help="compare two runs: regressions, fixes, new and removed requirements"
    )
    compare.add_argument(
        "old", metavar="OLD", help="the earlier run's summary.json or results.json (or report folder)"
    )
    compare.add_argument("new", metavar="NEW", help="the later run's")
    compare.add_argument("--json", action="store_true", help="the comparison as JSON")
    compare.add_argument("--fail-on", choices=("regression",),
                         help="exit 1 when the later run has a regression")  # fmt: skip

    serve = commands.add_parser("serve", help="run the reference Spry server on its own")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8711)
    serve.add_argument("--fault", metavar="NAME", action="append", default=[])
    serve.add_argument("--variant", metavar="NAME", action="append", default=[])
    serve.add_argument("--login", choices=("form", "spa"), default="form",
                       help="login pages: an HTML form, or a single-page app built by a script")  # fmt: skip
    serve.add_argument("--latency", default="0", help="delay per response, e.g. 50ms")
    serve.add_argument("--lifetime", type=int, default=3600, help="access-token lifetime in seconds")
    serve.add_argument("--code-lifetime", type=int, default=60, help="authorization-code lifetime in seconds")
    serve.add_argument("--no-access-log", action="store_true", help="do not log each request (benchmarks)")
    serve.add_argument("--patients", type=int, default=3, help="synthetic patients per organisation (3)")

    commands.add_parser("faults", help="list the reference server's named faults")
    commands.add_parser("variants", help="list the reference server's named variants (unusual but correct)")

    requirements = commands.add_parser("requirements", help="print the requirement catalogue")
    requirements.add_argument(
        "--crosswalk", action="store_true", help="OAuch's Spry-relevant tests -> requirements"
    )
    requirements.add_argument("--profile", choices=("spry", "oauth2"))
    requirements.add_argument("--json", action="store_true", help="machine-readable output")
    requirements.add_argument("--markdown", action="store_true", help="tables by family (the README's)")

    init = commands.add_parser(
        "init", help="write a commented spry-target.toml (with --target: what the server shows)"
    )
    init.add_argument(
        "--target", metavar="URL", help="probe this server without secrets and fill in what it shows"
    )
    init.add_argument(
        "--output", metavar="FILE", default="spry-target.toml", help="where to write (spry-target.toml)"
    )
    init.add_argument("--force", action="store_true", help="replace an existing file")

    report = commands.add_parser("report", help="re-render report.html from an earlier run's results")
    report.add_argument("--report-dir", metavar="DIR", default="reports")

    bundle = commands.add_parser(
        "bundle", help="write DIR/evidence.zip (signed) from an earlier run's reports"
    )
    bundle.add_argument("report_dir", metavar="DIR", nargs="?", default="reports")
    bundle.add_argument(
        "--signing-key", metavar="FILE", help="Ed25519 private key (PEM); else SPRY_SIGNING_KEY"
    )
    verify = commands.add_parser("verify", help="check an evidence.zip: every hash and the signature")
    verify.add_argument("bundle", metavar="evidence.zip")
    verify.add_argument("--key", metavar="PUBLIC", help="the signer's public key (PEM) you were given")
    return parser


def _run(args: argparse.Namespace, pytest_args: list[str]) -> int:
    from conformance.config import load_target
    from conformance.errors import ConfigError
    from conformance.run.preflight import check_faults

    if args.login != "form" and (args.target or args.config or os.environ.get("SPRY_BASE_URL")):
        return _usage("--login applies to the embedded reference server only (drop --target)")
    if (args.fault or args.variant) and (args.target or os.environ.get("SPRY_BASE_URL")):
        return _usage("--fault and --variant apply to the embedded reference server only (drop --target)")
    if args.max_requests is not None and args.max_requests < 1:
        return _usage("--max-requests must be at least 1")
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
        return _usage(str(error))

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
            seconds = _duration(args.max_time)
        except ValueError:
            seconds = -1.0
        if seconds <= 0:
            raise ConfigError(f"--max-time {args.max_time!r}: give a duration such as 90s, 10m or 1h")
        options += ["--spry-max-time", str(seconds)]
    return options + ["--spry-list"] * args.list


def _compare(args: argparse.Namespace) -> int:
    from conformance.compare import compare, load_run
    from conformance.errors import ConfigError
    from conformance.masking import shown

    try:
        comparison = compare(load_run(args.old, "OLD"), load_run(args.new, "NEW"))
    except ConfigError as error:
        return _usage(str(error))
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in comparison.table():
            print(shown(line))  # titles and paths come from files: printed without control characters
    return EXIT_FAIL if args.fail_on == "regression" and comparison.regressions else EXIT_PASS


def _init(args: argparse.Namespace) -> int:
    from conformance.config import load_target
    from conformance.errors import ConfigError
    from conformance.scaffold import discover, render, write_starter

    output = Path(args.output)
    try:
        if output.exists() and not args.force:  # before any request is sent
            raise ConfigError(f"{output} already exists (--force replaces it)")
        found = None
        if args.target:
            target = load_target(None, base_url=args.target, env={})  # the URL checked like run's --target
            found = discover(target.base_url)
            for note in found.notes:
                print(f"  {note}")
        write_starter(output, render(found), force=args.force)
    except ConfigError as error:
        return _usage(str(error))
    print(f"spry-conformance: wrote {output}; set the secrets it names in the environment, then: "
          f"spry-conformance run{'' if output.name == 'spry-target.toml' and output.parent == Path() else ' --config ' + str(output)}")  # fmt: skip
    return EXIT_PASS


def _serve(args: argparse.Namespace) -> int:
    from conformance.reference import ServerSettings, UnknownFault, serve

    try:
        latency = _duration(args.latency)
        settings = ServerSettings(
            faults=frozenset(args.fault), variants=frozenset(args.variant), host=args.host, port=args.port, latency=latency,
            access_token_lifetime=args.lifetime, code_lifetime=args.code_lifetime,
            patients=args.patients, login=args.login,
        )  # fmt: skip
        serve(settings, access_log=not args.no_access_log)
    except (UnknownFault, ValueError) as error:
        return _usage(str(error))
    return EXIT_PASS


def _faults(args: argparse.Namespace) -> int:
    from conformance.reference import FAULTS

    for fault in sorted(FAULTS.values(), key=lambda f: f.name):
        print(f"{fault.name:36} breaks {', '.join(fault.breaks)}")
        print(f"{'':36} {fault.description}")
    return EXIT_PASS


def _variants(args: argparse.Namespace) -> int:
    from conformance.reference.variants import VARIANTS

    for variant in sorted(VARIANTS.values(), key=lambda v: v.name):
        print(f"{variant.name:36} {variant.description}")
        print(f"{'':36} permitted by {variant.permitted_by}")
    return EXIT_PASS


def _requirements(args: argparse.Namespace) -> int:
    from conformance.catalogue import load_catalogue

    catalogue = load_catalogue()
    if args.crosswalk:
        rows = list(catalogue.crosswalk)
        if args.json:
            print(json.dumps(rows, indent=2))
            return EXIT_PASS
        for row in rows:
            print(f"{row['oauch']:52} {', '.join(row['requirements']) or '-'}")
            if not row["requirements"]:
                print(f"{'':52} {row['why']}")
        covered_count = sum(1 for row in rows if row["requirements"])
        print(f"\n{covered_count} of {len(rows)} OAuch tests relevant to Spry are covered by a requirement")
        return EXIT_PASS
    chosen = catalogue.in_profile(args.profile) if args.profile else list(catalogue)
    if args.json:
        print(
            json.dumps(
                {"version": catalogue.version, "requirements": [r.to_dict() for r in chosen]}, indent=2
            )
        )
        return EXIT_PASS
    if args.markdown:
        print(requirements_markdown(catalogue, chosen), end="")
        return EXIT_PASS
    for family in catalogue.families:
        members = [r for r in family.requirements if r in chosen]
        if not members:
            continue
        print(f"\n{family.title}")
        for r in members:
            print(f"  {r.id:34} {r.level:6} {r.severity:8} {'/'.join(sorted(r.profiles)):12} {r.title}")
            print(f"  {'':34} {r.source}")
    print(f"\n{len(chosen)} requirements (catalogue {catalogue.version})")
    return EXIT_PASS


def requirements_markdown(catalogue: Any, chosen: list[Any]) -> str:
    """The catalogue as Markdown tables, one per family (the README's catalogue section)."""
    out = []
    for family in catalogue.families:
        members = [r for r in family.requirements if r in chosen]
        if not members:
            continue
        out += [
            f"\n#### {family.title}\n",
            "| id | level | severity | profiles | requirement |",
            "|---|---|---|---|---|",
        ]
        for r in members:
            aggressive = " (needs `--aggressive`)" if r.aggressive else ""
            profiles = ", ".join(sorted(r.profiles, reverse=True))
            out.append(f"| `{r.id}` | {r.level} | {r.severity} | {profiles} | {r.title}{aggressive} |")
    return "\n".join(out) + "\n"


def _report(args: argparse.Namespace) -> int:
    from conformance.reporting.html import write_html

    directory = Path(args.report_dir)
    source = directory / "results.json"
    if not source.is_file():
        return _usage(f"{source} not found: run 'spry-conformance run --report-dir {directory}' first")
    try:
        data = json.loads(source.read_bytes().decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
            raise ValueError("no requirements list")
        write_html(directory / "report.html", data)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        return _usage(f"{source} is not a results.json written by spry-conformance ({type(error).__name__}: "
                      f"{str(error)[:120]})")  # fmt: skip
    print(f"wrote {directory / 'report.html'}")
    return EXIT_PASS


def _bundle(args: argparse.Namespace) -> int:
    from conformance.bundle import BundleError, bundle_command

    try:
        return bundle_command(Path(args.report_dir), args.signing_key)
    except BundleError as error:
        return _usage(str(error))


def _verify(args: argparse.Namespace) -> int:
    from conformance.bundle import BundleError, verify_command

    try:
        return verify_command(Path(args.bundle), Path(args.key) if args.key else None)
    except BundleError as error:
        return _usage(str(error))


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
    from conformance.bundle import BundleError, signer
    from conformance.config import read_toml
    from conformance.errors import ConfigError

    key_file = (
        read_toml(config_file, "configuration file").get("evidence", {}).get("signing_key_file")
        if config_file
        else None
    )
    try:
        signer(key_file)
    except BundleError as error:
        raise ConfigError(str(error)) from None


def _names_base_url(config_file: str | None) -> bool:
    from conformance.config import read_toml

    return bool(config_file) and "base_url" in read_toml(config_file or "", "configuration file").get(
        "target", {}
    )


def _duration(text: str) -> float:
    """Seconds from `50ms`, `90s`, `90`, `10m`, `10min` or `1.5h`."""
    text = text.strip().lower()
    for suffix, factor in (("ms", 0.001), ("min", 60.0), ("m", 60.0), ("h", 3600.0), ("s", 1.0)):
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


def _usage(message: str) -> int:
    from conformance.masking import shown

    print(f"spry-conformance: error: {shown(message)}", file=sys.stderr)
    return EXIT_USAGE


def console() -> None:
    """The `spry-conformance` command: `main`, then a quick exit (a final garbage collection over every object
    of the run would only delay the shell; the process ends here and the operating system frees it all)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `spry-conformance faults | head -1`: the reader left; end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141  # 128 + SIGPIPE, as a shell reports a program a closed pipe stopped
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
