"""The readable terminal summary: the verdict first, then what failed and why, then where the reports are."""

from __future__ import annotations

from typing import Any

from conformance.run.record import RunRecord

_ORDER = ("failed", "error", "warning", "waived", "skipped")


def write_summary(reporter: Any, record: RunRecord) -> None:
    manifest = record.manifest
    results = record.requirements
    tally = record.counts
    reporter.write_sep("=", "spry-conformance")
    for status in _ORDER:
        chosen = [r for r in results if r.status == status]
        if not chosen or status == "skipped" and len(chosen) > 12:
            continue
        for result in chosen:
            r = result.requirement
            kind = ", format" if r.kind == "format" else ""
            reporter.write_line(f"{status.upper():8} {r.id} [{r.level}, {r.severity}{kind}] {r.title}")
            if result.reason:
                reporter.write_line(f"         {result.reason}")
    skipped = [r for r in results if r.status == "skipped"]
    if len(skipped) > 12:
        reporter.write_line(f"SKIPPED  {len(skipped)} requirements (reasons in report.html and summary.json)")
    line = ", ".join(f"{n} {s}" for s, n in tally.items() if n)
    target = manifest["target"]["base_url"]
    faults = manifest["target"]["faults"]
    reporter.write_line("")
    reporter.write_line(f"target   {target}" + (f" with fault {', '.join(faults)}" if faults else ""))
    reporter.write_line(
        f"profile  {manifest['profile']}, budget {manifest['budget']}, seed {manifest['seed']}"
        + (", strict" if manifest["strict"] else "")
    )
    reporter.write_line(f"sent     {manifest['requests_sent']} requests in {manifest['duration_s']} s")
    found = record.findings
    if found["breaches"] or found["format"]:
        reporter.write_line(f"findings {found['breaches']} breach(es) of a security property, "
                            f"{found['format']} format deviation(s)")  # fmt: skip
    reporter.write_line(f"reports  {record.report_dir}/ (summary.json, junit.xml, report.html)")
    mark = {"pass": "PASS", "fail": "FAIL"}[record.verdict]
    reporter.write_sep("=", f"{mark}: {line}", bold=True, red=mark == "FAIL", green=mark == "PASS")
