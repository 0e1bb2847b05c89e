"""Accepted deviations: a waived failure is reported as waived until its expiry date, then fails again.

File shape (TOML):

    [[waiver]]
    requirement = "TOKEN-PRAGMA-NO-CACHE"
    reason = "Pragma is deprecated by RFC 9111; tracked in SEC-123"
    owner = "platform-security@example.org"
    expires = 2027-03-31
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from conformance.config import read_toml, suggest
from conformance.errors import ConfigError
from conformance.results import RequirementResult


@dataclass(frozen=True)
class Waiver:
    requirement: str
    reason: str
    owner: str
    expires: dt.date

    def active(self, today: dt.date) -> bool:
        return today <= self.expires


_KEYS = ("requirement", "reason", "owner", "expires")


def load_waivers(path: str | Path, known_ids: set[str]) -> list[Waiver]:
    data = read_toml(path, "waivers file")
    waivers = []
    entries = data.get("waiver", [])
    extra = sorted(set(data) - {"waiver"})
    if extra:
        raise ConfigError(f"{path}: unknown key '{extra[0]}' (waivers are [[waiver]] tables)")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: 'waiver' must be a list of [[waiver]] tables")
    for index, entry in enumerate(entries):
        where = f"{path}: waiver #{index + 1}"
        unknown = set(entry) - set(_KEYS)
        if unknown:
            key = sorted(unknown)[0]
            raise ConfigError(f"{where}: unknown key '{key}'{suggest(key, _KEYS)}")
        for key in _KEYS:
            if key not in entry:
                raise ConfigError(f"{where}: '{key}' is required")
        for key in ("requirement", "reason", "owner"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise ConfigError(f"{where}: '{key}' must be a non-empty string")
        if entry["requirement"] not in known_ids:
            raise ConfigError(f"{where}: unknown requirement {entry['requirement']!r}")
        if not isinstance(entry["expires"], dt.date) or isinstance(entry["expires"], dt.datetime):
            raise ConfigError(f"{where}: 'expires' must be a date such as 2027-03-31")
        waivers.append(Waiver(entry["requirement"], entry["reason"], entry["owner"], entry["expires"]))
    return waivers


def apply_waivers(
    results: list[RequirementResult], waivers: list[Waiver], today: dt.date | None = None
) -> list[RequirementResult]:
    """Failed requirements with an unexpired waiver become `waived`; expired waivers are named in the reason."""
    today = today or dt.date.today()
    by_id = {w.requirement: w for w in waivers}
    applied = []
    for result in results:
        waiver = by_id.get(result.requirement.id)
        if waiver and result.status == "failed":
            data = {"requirement": waiver.requirement, "reason": waiver.reason, "owner": waiver.owner,
                    "expires": waiver.expires.isoformat(), "active": waiver.active(today)}  # fmt: skip
            if waiver.active(today):
                reason = f"waived until {waiver.expires} by {waiver.owner}: {waiver.reason} (finding: {result.reason})"
                result = replace(result, status="waived", reason=reason, waiver=data)
            else:
                reason = f"{result.reason} (waiver expired on {waiver.expires})"
                result = replace(result, reason=reason, waiver=data)
        applied.append(result)
    return applied
