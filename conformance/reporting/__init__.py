"""The reports of a run: summary.json, results.json, junit.xml, report.sarif, report.html (and allure-results/).

Every writer reads the one `RunRecord` (conformance.run.record); report.html renders results.json,
the record's full JSON form, so `spry-conformance report` re-renders exactly the same page.
"""

from __future__ import annotations

from typing import Any

from conformance.reporting.junit import write_junit
from conformance.reporting.sarif import write_sarif
from conformance.reporting.summary import full_results, summary, write_json
from conformance.run.record import RunRecord


def write_reports(record: RunRecord, *, bundle: dict[str, Any] | None = None) -> None:
    """Every report; `bundle` (the evidence bundle's file and signer fingerprint) is shown in report.html."""
    directory = record.report_dir
    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / "summary.json", summary(record))
    data = full_results(record)
    if bundle:
        data["bundle"] = bundle
    if (directory / "allure-results").is_dir():
        from conformance.reporting.allure import write_extras
        from conformance.reporting.terminal import closing_line

        write_extras(directory / "allure-results", record.manifest, bundle, requirements=closing_line(record))
    write_json(directory / "results.json", data, compact=True)
    write_junit(directory / "junit.xml", record)
    write_sarif(directory / "report.sarif", record)
    from conformance.reporting.html import write_html

    write_html(directory / "report.html", data)
