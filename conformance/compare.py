"""Two runs side by side: what got worse, what got better, what appeared and what went away.

`spry-conformance compare OLD NEW` and `run --baseline OLD` read two runs' `summary.json` or
`results.json` (or the report folders holding them) and sort every requirement into one change:

- **regression**: it now fails or errors, and did not before (it passed, warned, was waived or skipped),
  or it passed and now warns;
- **fix**: it failed, errored or was waived before and passes now, or warned and passes now;
- **new** / **removed**: it is in only one of the two runs (a newer catalogue, another profile);
- **changed**: any other change of status (passed to skipped: no longer checked, failed to waived, ...).

`--fail-on regression` makes only regressions fail: a team adopts the suite on a server with known
debt, and a pipeline stops the day something that held breaks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError

_BROKEN = frozenset({"failed", "error"})
_DEBT = frozenset({"failed", "error", "waived"})
KINDS = ("regression", "fix", "new", "removed", "changed")
_PLURAL = {"regression": "regression(s)", "fix": "fix(es)"}


@dataclass(frozen=True)
class RunSummary:
    """What a comparison needs of one run: where it came from and each requirement's status."""

    source: str
    verdict: str
    started_at: str
    statuses: dict[str, str]  # requirement id -> status
    titles: dict[str, str]


@dataclass(frozen=True)
class Change:
    requirement: str
    title: str
    kind: str  # one of KINDS
    before: str | None  # None: not in the old run
    after: str | None  # None: not in the new run

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.requirement, "title": self.title, "kind": self.kind,
                "before": self.before, "after": self.after}  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    old: RunSummary
    new: RunSummary
    changes: tuple[Change, ...]  # in the new run's order, then the removed ones
    unchanged: int

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def regressions(self) -> list[Change]:
        return self.of_kind("regression")

    def counts(self) -> dict[str, int]:
        return {**{kind: len(self.of_kind(kind)) for kind in KINDS}, "unchanged": self.unchanged}

    def to_dict(self) -> dict[str, Any]:
        def run(summary: RunSummary) -> dict[str, str]:
            return {"source": summary.source, "verdict": summary.verdict, "started_at": summary.started_at}

        return {
            "old": run(self.old),
            "new": run(self.new),
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }

    def table(self) -> list[str]:
        """The comparison as text lines: one per change, grouped by kind, then the totals."""
        lines = [f"old  {self.old.source} ({self.old.verdict}, {self.old.started_at or 'time unknown'})",
                 f"new  {self.new.source} ({self.new.verdict}, {self.new.started_at or 'time unknown'})"]  # fmt: skip
        width = max((len(c.requirement) for c in self.changes), default=0)
        for kind in KINDS:
            for change in self.of_kind(kind):
                move = f"{change.before or '-'} -> {change.after or '-'}"
                lines.append(f"{kind.upper():10} {change.requirement:{width}}  {move:22} {change.title}")
        lines.append(", ".join(f"{n} {_PLURAL.get(kind, kind)}" for kind, n in self.counts().items()))
        return lines


def kind_of(before: str, after: str) -> str | None:
    """The change from one status to another, or None when it is the same."""
    if before == after:
        return None
    if after in _BROKEN and before not in _BROKEN or before == "passed" and after == "warning":
        return "regression"
    if after == "passed" and before in {*_DEBT, "warning"}:
        return "fix"
    return "changed"


def compare(old: RunSummary, new: RunSummary) -> Comparison:
    changes: list[Change] = []
    unchanged = 0
    for rid, after in new.statuses.items():
        title = new.titles.get(rid, "")
        before = old.statuses.get(rid)
        if before is None:
            changes.append(Change(rid, title, "new", None, after))
            continue
        kind = kind_of(before, after)
        if kind is None:
            unchanged += 1
        else:
            changes.append(Change(rid, title, kind, before, after))
    for rid, before in old.statuses.items():
        if rid not in new.statuses:
            changes.append(Change(rid, old.titles.get(rid, ""), "removed", before, None))
    return Comparison(old, new, tuple(changes), unchanged)


def load_run(path: str | Path, what: str = "results") -> RunSummary:
    """A run's summary.json or results.json, or a report folder holding one; else a one-line ConfigError."""
    given = Path(path)
    file = given
    if given.is_dir():
        file = next((given / n for n in ("summary.json", "results.json") if (given / n).is_file()), given)
        if file == given:
            raise ConfigError(f"{what} {given}: the folder holds no summary.json or results.json")
    try:
        data = json.loads(file.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {file}") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigError(f"{what} {file} is not a spry-conformance summary.json or results.json "
                          f"({type(error).__name__})") from None  # fmt: skip
    entries = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("status"), str)
        for e in entries
    ):
        raise ConfigError(f"{what} {file} is not a spry-conformance summary.json or results.json "
                          "(no requirements list with id and status)")  # fmt: skip
    assert isinstance(data, dict) and isinstance(entries, list)
    return RunSummary(
        source=str(file),
        verdict=str(data.get("verdict", "")),
        started_at=str(data.get("started_at", "")),
        statuses={e["id"]: e["status"] for e in entries},
        titles={e["id"]: str(e.get("title", "")) for e in entries},
    )


def summary_of(data: dict[str, Any], source: str) -> RunSummary:
    """The RunSummary of a summary.json still in memory (the run that just ended)."""
    entries = data["requirements"]
    return RunSummary(source, str(data.get("verdict", "")), str(data.get("started_at", "")),
                      {e["id"]: e["status"] for e in entries},
                      {e["id"]: str(e.get("title", "")) for e in entries})  # fmt: skip
