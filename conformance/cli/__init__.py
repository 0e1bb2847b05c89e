"""The commands of the contract: run, serve, faults, requirements, report, compare.

Exit status of `run`: 0 every MUST passed (and every SHOULD with --strict); 1 a requirement
failed or the verdict is incomplete (with --fail-on regression: a requirement regressed); 2 the command or its configuration is wrong; 3 the target could not be reached or
refused the configured client credentials before any check ran; 4 the suite itself failed (a bug:
REPORT_DIR/suite-error.txt holds the masked traceback; summary.json is still written).
Any command whose output goes into a closed pipe (`faults | head -1`) ends quietly with 141.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence

from conformance.cli import commands
from conformance.cli.commands import requirements_markdown
from conformance.cli.common import EXIT_PASS, EXIT_USAGE
from conformance.cli.parser import build_parser
from conformance.cli.run import run

__all__ = ["console", "main", "requirements_markdown"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    invocation = list(argv)
    pytest_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, pytest_args = argv[:cut], argv[cut + 1 :]
    parser = build_parser()
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
    if args.command == "run":
        return run(args, pytest_args)
    handler: dict[str, Callable[[argparse.Namespace], int]] = {
        "serve": commands.serve,
        "faults": commands.faults,
        "variants": commands.variants,
        "requirements": commands.requirements,
        "report": commands.report,
        "compare": commands.compare,
        "init": commands.init,
        "bundle": commands.bundle,
        "verify": commands.verify,
    }
    return handler[args.command](args)


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
