"""Certification gates: which skips a run may have, and when a skip makes the verdict `incomplete`.

A certification run must not pass with a MUST requirement left unchecked. `--fail-on-skip` turns every
MUST (and, under `--strict`, every SHOULD) that ends `skipped` into a gap: the verdict is `incomplete`
and `run` exits 1, unless the expected-skips file lists that requirement with the reason it cannot be
checked on this deployment, as the OpenID Foundation's conformance suite takes an expected-skips file.

File shape (TOML; `--expected-skips FILE`, which implies `--fail-on-skip`):

    [[expected_skip]]
    requirement = "SEC-BRUTE-FORCE-THROTTLED"
    reason = "staging sits behind a WAF that throttles before the server; judged on the WAF's own report"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from conformance.config import read_toml, suggest
from conformance.errors import ConfigError
from conformance.results import RequirementResult


@dataclass(frozen=True)
class ExpectedSkip:
    requirement: str
    reason: str


_KEYS = ("requirement", "reason")


def load_expected_skips(path: str | Path, known_ids: Iterable[str]) -> list[ExpectedSkip]:
    """The file's entries, each naming a known requirement (any case) with a reason; else a one-line error."""
    data = read_toml(path, "expected-skips file")
    extra = sorted(set(data) - {"expected_skip"})
    if extra:
        raise ConfigError(f"{path}: unknown key '{extra[0]}' (expected skips are [[expected_skip]] tables)")
    entries = data.get("expected_skip", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: 'expected_skip' must be a list of [[expected_skip]] tables")
    known = {rid.upper(): rid for rid in known_ids}
    found: list[ExpectedSkip] = []
    for index, entry in enumerate(entries):
        where = f"{path}: expected_skip #{index + 1}"
        unknown = sorted(set(entry) - set(_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key '{unknown[0]}'{suggest(unknown[0], _KEYS)}")
        for key in _KEYS:
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ConfigError(f"{where}: '{key}' is required, a non-empty string")
        rid = entry["requirement"].strip().upper()
        if rid not in known:
            raise ConfigError(f"{where}: unknown requirement {entry['requirement']!r}{suggest(rid, known)}")
        found.append(ExpectedSkip(known[rid], entry["reason"].strip()))
    return found


def gated(level: str, strict: bool) -> bool:
    """Whether a skip of a requirement at this level is a gap under --fail-on-skip."""
    return level == "MUST" or strict and level == "SHOULD"


def mark_expected(
    results: Iterable[RequirementResult], expected: Iterable[ExpectedSkip]
) -> list[RequirementResult]:
    """Each skipped requirement the file lists carries the file's reason (`expected_skip`)."""
    by_id = {e.requirement: e.reason for e in expected}
    return [
        replace(r, expected_skip=by_id[r.requirement.id])
        if r.status == "skipped" and r.requirement.id in by_id
        else r
        for r in results
    ]


def unexpected_skips(results: Iterable[RequirementResult], strict: bool) -> list[RequirementResult]:
    """The requirements --fail-on-skip holds against the run: gated, skipped, not listed as expected."""
    return [
        r
        for r in results
        if r.status == "skipped" and r.expected_skip is None and gated(r.requirement.level, strict)
    ]
