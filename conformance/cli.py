"""The commands of the contract: run, serve, faults, requirements, report.

Exit status of `run`: 0 every MUST passed (and every SHOULD with --strict); 1 a requirement
failed; 2 the command or its configuration is wrong; 3 the target could not be reached or
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
  1  a requirement failed, or a check could not run
  2  the command or its configuration is wrong (one line names the key)
  3  the target could not be reached, or issued the primary client no token, before any check
  4  the suite itself failed (a bug: REPORT_DIR/suite-error.txt)

environment:
  SPRY_BASE_URL, SPRY_CLIENT_ID, SPRY_CLIENT_SECRET, and the variables the target file's *_env keys name
  (SPRY_SECONDARY_CLIENT_SECRET, SPRY_READER_CLIENT_SECRET, SPRY_USER_PASSWORD by default)

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
    run.add_argument("--waivers", metavar="FILE", help="accepted deviations (TOML)")
    run.add_argument("--seed", type=int, help="seed for generated inputs (printed and recorded either way)")
    run.add_argument("--requirement", metavar="ID", action="append", default=[],
                     help="only the checks of this requirement (repeatable)")  # fmt: skip

    serve = commands.add_parser("serve", help="run the reference Spry server on its own")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8711)
    serve.add_argument("--fault", metavar="NAME", action="append", default=[])
    serve.add_argument("--variant", metavar="NAME", action="append", default=[])
    serve.add_argument("--login", choices=("form", "spa"), default="form",
                       help="login pages: an HTML form, or a single-page app built by a script")  # fmt: skip
    serve.add_argument("--latency", default="0", help="delay per response, e.g. 50ms")
    serve.add_argument("--lifetime", type=int, default=3600, help="access-token lifetime in seconds")
    serve.add_argument("--no-access-log", action="store_true", help="do not log each request (benchmarks)")

    commands.add_parser("faults", help="list the reference server's named faults")
    commands.add_parser("variants", help="list the reference server's named variants (unusual but correct)")

    requirements = commands.add_parser("requirements", help="print the requirement catalogue")
    requirements.add_argument(
        "--crosswalk", action="store_true", help="OAuch's Spry-relevant tests -> requirements"
    )
    requirements.add_argument("--profile", choices=("spry", "oauth2"))
    requirements.add_argument("--json", action="store_true", help="machine-readable output")
    requirements.add_argument("--markdown", action="store_true", help="tables by family (the README's)")

    report = commands.add_parser("report", help="re-render report.html from an earlier run's results")
    report.add_argument("--report-dir", metavar="DIR", default="reports")
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
    try:
        if args.target or args.config or os.environ.get("SPRY_BASE_URL"):
            target = load_target(args.config, base_url=args.target)
            remote = args.target or os.environ.get("SPRY_BASE_URL") or _names_base_url(args.config)
            primary = target.clients["primary"]
            if remote and not primary.client_secret:  # configuration, not the target: exit 2
                raise ConfigError(f"no secret for the primary client: set {primary.secret_env}")
        usable_report_dir(Path(args.report_dir))
        if args.fault or args.variant:
            check_faults(args.fault, args.variant)
        if args.requirement:
            args.requirement = _requirement_ids(args.requirement)
        if args.waivers:
            from conformance.catalogue import load_catalogue
            from conformance.waivers import load_waivers

            load_waivers(args.waivers, set(load_catalogue().requirements))
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


def _serve(args: argparse.Namespace) -> int:
    from conformance.reference import ServerSettings, UnknownFault, serve

    try:
        latency = _duration(args.latency)
        settings = ServerSettings(
            faults=frozenset(args.fault), variants=frozenset(args.variant), host=args.host, port=args.port, latency=latency,
            access_token_lifetime=args.lifetime, login=args.login,
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


def _names_base_url(config_file: str | None) -> bool:
    from conformance.config import read_toml

    return bool(config_file) and "base_url" in read_toml(config_file or "", "configuration file").get(
        "target", {}
    )


def _duration(text: str) -> float:
    text = text.strip().lower()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    return float(text.removesuffix("s"))


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
