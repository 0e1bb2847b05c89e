"""The reports of a run: summary.json, results.json, junit.xml, report.html (and allure-results/)."""

from __future__ import annotations

from typing import Any

from conformance.reporting.junit import write_junit
from conformance.reporting.summary import full_results, summary, write_json


def write_reports(record: dict[str, Any]) -> None:
    state = record["state"]
    manifest = record["manifest"]
    results = state.requirement_results
    directory = state.report_dir
    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / "summary.json", summary(manifest, results))
    data = full_results(manifest, results)
    write_json(directory / "results.json", data, compact=True)
    write_junit(directory / "junit.xml", results, duration=manifest["duration_s"])
    try:
        from conformance.reporting.html import write_html
    except ImportError:  # pragma: no cover - the HTML report ships with the package
        return
    write_html(directory / "report.html", data)
