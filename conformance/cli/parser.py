"""The command line: every command, flag and the help text (exit codes, environment, `--`)."""

from __future__ import annotations

import argparse

from conformance import __version__

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


def build_parser() -> argparse.ArgumentParser:
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
