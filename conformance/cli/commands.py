"""The other commands of the contract: serve, faults, variants, requirements, report, compare, init, bundle,
verify."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from conformance.cli.common import EXIT_FAIL, EXIT_PASS, duration, usage


def compare(args: argparse.Namespace) -> int:
    from conformance.compare import compare, load_run
    from conformance.errors import ConfigError
    from conformance.masking import shown

    try:
        comparison = compare(load_run(args.old, "OLD"), load_run(args.new, "NEW"))
    except ConfigError as error:
        return usage(str(error))
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=2, ensure_ascii=False))
    else:
        for line in comparison.table():
            print(shown(line))  # titles and paths come from files: printed without control characters
    return EXIT_FAIL if args.fail_on == "regression" and comparison.regressions else EXIT_PASS


def init(args: argparse.Namespace) -> int:
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
        return usage(str(error))
    print(f"spry-conformance: wrote {output}; set the secrets it names in the environment, then: "
          f"spry-conformance run{'' if output.name == 'spry-target.toml' and output.parent == Path() else ' --config ' + str(output)}")  # fmt: skip
    return EXIT_PASS


def serve(args: argparse.Namespace) -> int:
    from conformance.reference import ServerSettings, UnknownFault, serve

    try:
        latency = duration(args.latency)
        settings = ServerSettings(
            faults=frozenset(args.fault), variants=frozenset(args.variant), host=args.host, port=args.port, latency=latency,
            access_token_lifetime=args.lifetime, code_lifetime=args.code_lifetime,
            patients=args.patients, login=args.login,
        )  # fmt: skip
        serve(settings, access_log=not args.no_access_log)
    except (UnknownFault, ValueError) as error:
        return usage(str(error))
    return EXIT_PASS


def faults(args: argparse.Namespace) -> int:
    from conformance.reference import FAULTS

    for fault in sorted(FAULTS.values(), key=lambda f: f.name):
        print(f"{fault.name:36} breaks {', '.join(fault.breaks)}")
        print(f"{'':36} {fault.description}")
    return EXIT_PASS


def variants(args: argparse.Namespace) -> int:
    from conformance.reference.variants import VARIANTS

    for variant in sorted(VARIANTS.values(), key=lambda v: v.name):
        print(f"{variant.name:36} {variant.description}")
        print(f"{'':36} permitted by {variant.permitted_by}")
    return EXIT_PASS


def requirements(args: argparse.Namespace) -> int:
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


def report(args: argparse.Namespace) -> int:
    from conformance.reporting.html import write_html

    directory = Path(args.report_dir)
    source = directory / "results.json"
    if not source.is_file():
        return usage(f"{source} not found: run 'spry-conformance run --report-dir {directory}' first")
    try:
        data = json.loads(source.read_bytes().decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
            raise ValueError("no requirements list")
        write_html(directory / "report.html", data)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        return usage(f"{source} is not a results.json written by spry-conformance ({type(error).__name__}: "
                      f"{str(error)[:120]})")  # fmt: skip
    print(f"wrote {directory / 'report.html'}")
    return EXIT_PASS


def bundle(args: argparse.Namespace) -> int:
    from conformance.bundle import BundleError, bundle_command

    try:
        return bundle_command(Path(args.report_dir), args.signing_key)
    except BundleError as error:
        return usage(str(error))


def verify(args: argparse.Namespace) -> int:
    from conformance.bundle import BundleError, verify_command

    try:
        return verify_command(Path(args.bundle), Path(args.key) if args.key else None)
    except BundleError as error:
        return usage(str(error))
