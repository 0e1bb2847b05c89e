"""The readable terminal summary: what failed and why, the run, then one closing line.

The closing line counts requirements, exactly as summary.json, junit.xml, report.sarif and report.html
do (`PASS: 137 requirements: 132 passed, 5 skipped`); the pytest items behind them are counted on a line
of their own, labelled `checks`. `mode` is `quiet` (what went wrong and the closing line), `normal` or
`verbose` (the same summary; verbose printed each requirement as it ended).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from conformance.run.record import RunRecord

_ORDER = ("failed", "error", "warning", "waived", "skipped")
_MARK = {"pass": "PASS", "fail": "FAIL", "incomplete": "INCOMPLETE"}
#: The check result that carries the format deviations other checks saw: not a pytest item.
_DEVIATIONS = "format deviations seen by other checks::"


def closing_line(record: RunRecord) -> str:
    """`PASS: 137 requirements: 132 passed, 5 skipped`: the one count every report agrees with."""
    counted = ", ".join(f"{n} {s}" for s, n in record.counts.items() if n) or "none selected"
    line = f"{_MARK[record.verdict]}: {len(record.requirements)} requirements: {counted}"
    if record.fail_on == "regression" and record.comparison is not None:
        found = len(record.comparison.regressions)
        line += (
            f"; {found} regression(s) against the baseline (--fail-on regression: exit {int(record.failed)})"
        )
    return line


def checks_line(record: RunRecord) -> str:
    """The pytest items (checks) behind the requirements, labelled as such."""
    checks = [c for r in record.requirements for c in r.checks if not c.nodeid.startswith(_DEVIATIONS)]
    tally = Counter(c.status for c in checks)
    return f"checks   {len(checks)} pytest items: " + (
        ", ".join(f"{n} {s}" for s, n in tally.items()) or "none ran"
    )


def write_summary(reporter: Any, record: RunRecord, mode: str = "normal", evidence: str = "") -> None:
    """The requirements that need attention, the run, then the one closing line (last, whatever else prints);
    `evidence` is the bundle's line (written just after the reports, signed with the key it names)."""
    results = record.requirements
    reporter.write_sep("=", "spry-conformance")
    for status in _ORDER:
        chosen = [r for r in results if r.status == status]
        if not chosen or status == "skipped" and (len(chosen) > 12 or mode == "quiet"):
            continue
        for result in chosen:
            r = result.requirement
            kind = ", format" if r.kind == "format" else ""
            reporter.write_line(f"{status.upper():8} {r.id} [{r.level}, {r.severity}{kind}] {r.title}")
            if result.reason:
                reporter.write_line(f"         {result.reason}")
    skipped = [r for r in results if r.status == "skipped"]
    if len(skipped) > 12 or skipped and mode == "quiet":
        reporter.write_line(f"SKIPPED  {len(skipped)} requirements (reasons in report.html and summary.json)")
    if mode != "quiet":
        _write_run(reporter, record)
    if record.not_run:
        reporter.write_line(
            f"stopped  the time limit (--max-time) was reached: {_checks(record.not_run)} not run"
        )
    if record.budget_spent:
        reporter.write_line(
            f"stopped  the request budget (--max-requests) was spent: {_checks(record.budget_spent)} not run"
        )
    for gap in record.gaps:
        reporter.write_line(f"gate     {gap.requirement.id} ({gap.requirement.level}) was skipped and the "
                            "expected-skips file does not list it (--fail-on-skip)")  # fmt: skip
    if record.comparison is not None:  # the totals, then each change (quiet: the regressions only)
        *runs, totals = record.comparison.table()
        changes = runs[2:] if mode != "quiet" else [line for line in runs if line.startswith("REGRESSION")]
        reporter.write_line(f"baseline {totals} (against {record.comparison.old.source})")
        for line in changes:
            reporter.write_line("         " + line)
    if evidence:
        reporter.write_line(evidence)
    verdict = record.verdict
    reporter.write_sep("=", closing_line(record), bold=True, red=verdict == "fail",
                       yellow=verdict == "incomplete", green=verdict == "pass")  # fmt: skip


def _write_run(reporter: Any, record: RunRecord) -> None:
    manifest = record.manifest
    target = manifest["target"]["base_url"]
    faults = manifest["target"]["faults"]
    reporter.write_line("")
    reporter.write_line(f"target   {target}" + (f" with fault {', '.join(faults)}" if faults else ""))
    reporter.write_line(
        f"profile  {manifest['profile']}, budget {manifest['budget']}, seed {manifest['seed']}"
        + (", strict" if manifest["strict"] else "")
    )
    reporter.write_line(f"sent     {manifest['requests_sent']} requests in {manifest['duration_s']} s")
    reporter.write_line(checks_line(record))
    found = record.findings
    if found["breaches"] or found["format"]:
        reporter.write_line(f"findings {found['breaches']} breach(es) of a security property, "
                            f"{found['format']} format deviation(s)")  # fmt: skip
    if not any(r.status in {"passed", "failed", "warning", "error", "waived"} for r in record.requirements):
        reporter.write_line("checked  nothing: no requirement was checked, so the run is not a pass")
    reporter.write_line(f"reports  {record.report_dir}/ (summary.json, junit.xml, report.sarif, report.html)")


def _checks(count: int) -> str:
    return f"{count} check{'s' * (count != 1)}"
