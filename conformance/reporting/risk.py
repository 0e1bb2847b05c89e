"""The report's findings by risk, and what a reviewer exports to replay them.

A reviewer looks first for what an attacker gains: breaches (a MUST broken whose requirement names a
security property) come first, then format and interoperability deviations (the form of an answer),
then checks that could not run, warnings (a SHOULD broken) and waivers; the most severe first in each.
"""

from __future__ import annotations

import re
from typing import Any

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")

#: (key, title, lede, which requirements belong)
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("breach", "Breaches of a security property",
     "A MUST broken whose requirement names a security property: each says what an attacker gains."),
    ("format", "Format and interoperability deviations",
     "The form of an answer (status, error code, challenge, body shape) is not the one the RFC names: "
     "clients break, nothing is issued that should not be."),
    ("error", "Could not be checked (the check errored)",
     "The target did not answer usably: the run has no verdict on these."),
    ("warning", "Warnings (SHOULD-level deviations)", "Reported; they fail the run only under --strict."),
    ("waived", "Waived", "Failed, but an unexpired waiver accepts the deviation: its reason and expiry are shown."),
)  # fmt: skip


def group_of(requirement: dict[str, Any]) -> str | None:
    status = requirement["status"]
    if status == "failed":
        return "format" if requirement.get("kind") == "format" else "breach"
    return status if status in {"error", "warning", "waived"} else None


def findings_by_risk(requirements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = []
    for key, title, lede in GROUPS:
        items = [r for r in requirements if group_of(r) == key]
        items.sort(key=lambda r: SEVERITY_ORDER.index(r["severity"]))  # stable: catalogue order within
        if items:
            groups.append({"key": key, "title": title, "lede": lede, "items": items})
    return groups


_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def replay_help(requirements: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The environment variables the findings' replays read (`export` them), and the step values they name."""
    found: set[str] = set()
    for r in requirements:
        for check in r.get("checks") or []:
            for exchange in check.get("exchanges") or []:
                found |= set(_VARIABLE.findall(exchange.get("replay_curl") or ""))
    return {"export": sorted(v for v in found if not v.startswith("STEP")),
            "steps": sorted(v for v in found if v.startswith("STEP"))}  # fmt: skip
