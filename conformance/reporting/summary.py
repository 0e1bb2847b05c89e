"""`REPORT_DIR/summary.json`, exactly as the contract says, and `results.json` (everything, for re-rendering)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.run.record import RunRecord


def summary(record: RunRecord) -> dict[str, Any]:
    """The contract's shape, with the run manifest beside it."""
    manifest = record.manifest
    return {
        "tool": manifest["tool"],
        "target": {"base_url": manifest["target"]["base_url"]},
        "profile": manifest["profile"],
        "started_at": manifest["started_at"],
        "duration_s": manifest["duration_s"],
        "requests_sent": manifest["requests_sent"],
        "seed": manifest["seed"],
        "generated_requests": manifest.get("generated_requests", 0),
        "verdict": record.verdict,
        "counts": record.counts,
        "findings": record.findings,  # failed or warned requirements: breaches apart from format deviations
        "requirements": [r.summary_entry() for r in record.requirements],
        "gate": record.gate(),  # what decided the exit status: --fail-on, --fail-on-skip, --baseline
        **({"baseline": record.comparison.to_dict()} if record.comparison is not None else {}),
        "manifest": manifest,
    }


def full_results(record: RunRecord) -> dict[str, Any]:
    """Everything the HTML report shows, so `spry-conformance report` can re-render it."""
    data = summary(record)
    data["requirements"] = [
        {**r.summary_entry(), **r.requirement.to_dict(), "status": r.status, "reason": r.reason,
         "check_results": [c.to_dict() for c in r.checks]}
        for r in record.requirements
    ]  # fmt: skip
    if record.comparison is not None:  # --baseline: report.html shows the regressions and fixes first
        data["comparison"] = {
            "baseline": record.comparison.old.source,
            **{key: [{"id": c.requirement, "was": c.before, "now": c.after}
                     for c in record.comparison.of_kind(kind)]
               for key, kind in (("regressions", "regression"), ("fixes", "fix"))},
        }  # fmt: skip
    return data


def write_json(path: Path, data: dict[str, Any], *, compact: bool = False) -> None:
    """Indented for reading, or compact (json's C encoder: results.json carries every exchange)."""
    text = (
        json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if compact
        else json.dumps(data, indent=2, ensure_ascii=False)
    )
    path.write_text(text + "\n", encoding="utf-8")
