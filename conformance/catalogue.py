"""The requirement catalogue (`specs/`): every rule the suite checks, with its level, source and severity.

Checks name their requirement with the marker `@requirement("ID")`; the plugin keeps one
outcome per requirement. Profiles select requirements: `spry` (the Spry guide's rules and
the RFCs') and `oauth2` (only the generic RFC rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

LEVELS = ("MUST", "SHOULD", "MAY")
SEVERITIES = ("critical", "high", "medium", "low", "info")
PROFILES = ("spry", "oauth2")
KINDS = ("breach", "format")
_RFC = re.compile(r"RFC\s*(\d+)(?:\s*(?:§|section)\s*([\d.]+[\d]))?", re.IGNORECASE)
_FIELDS = {
    "id", "title", "level", "severity", "profiles", "spry", "rfc", "rule", "oauch", "asvs", "gain", "enable",
    "aggressive", "kind", "binds",
}  # fmt: skip
_REQUIRED = {"id", "title", "level", "severity", "profiles", "rule", "binds"}
#: Who the sentence behind a requirement binds: the suite judges servers only (a client's MUST is not one).
BINDS = ("authorization server", "resource server", "authorization and resource servers")

#: The marker every check carries: `@requirement("TOKEN-TYPE-BEARER")`.
requirement = pytest.mark.requirement


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    level: str
    severity: str
    family: str
    profiles: frozenset[str]
    rule: str
    spry: str | None = None  # the section of the Spry authentication guide
    rfc: tuple[str, ...] = ()  # e.g. ("RFC 6749 §5.1",)
    oauch: tuple[str, ...] = ()
    asvs: tuple[str, ...] = ()
    gain: str = ""  # what an attacker gains when it is broken
    enable: str = ""  # what configuration the check needs, when it may be skipped
    aggressive: bool = False  # its check sends many requests and runs only with --aggressive
    #: "breach": its title names a security property an attacker gains from when it is broken;
    #: "format": the form of an answer (status, error code, headers, body shape): a deviation, not a breach.
    kind: str = "breach"
    binds: str = "authorization server"  # who the quoted sentence binds (BINDS)

    @property
    def source(self) -> str:
        parts = [f"Spry authentication guide, {self.spry}"] if self.spry else []
        return "; ".join(parts + list(self.rfc))

    def links(self) -> list[tuple[str, str]]:
        """(label, url) for each RFC section cited."""
        found = []
        for ref in self.rfc:
            match = _RFC.search(ref)
            if match:
                number, section = match.groups()
                url = f"https://www.rfc-editor.org/rfc/rfc{number}"
                found.append((ref, f"{url}#section-{section}" if section else url))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "level": self.level,
            "source": self.source,
            "severity": self.severity,
            "family": self.family,
            "profiles": sorted(self.profiles),
            "rule": self.rule,
            "oauch": list(self.oauch),
            "asvs": list(self.asvs),
            "gain": self.gain,
            "enable": self.enable,
            "links": [{"label": label, "url": url} for label, url in self.links()],
            "kind": self.kind,
            "binds": self.binds,
        }


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    requirements: tuple[Requirement, ...]


@dataclass(frozen=True)
class Catalogue:
    version: str
    families: tuple[Family, ...]
    crosswalk: tuple[dict[str, Any], ...]

    @property
    def requirements(self) -> dict[str, Requirement]:
        return {r.id: r for f in self.families for r in f.requirements}

    def __iter__(self) -> Iterator[Requirement]:
        for family in self.families:
            yield from family.requirements

    def in_profile(self, profile: str) -> list[Requirement]:
        return [r for r in self if profile in r.profiles]


def specs_dir() -> Path:
    """`specs/` as installed in the package, or at the top of a checkout (editable installs)."""
    packaged = Path(str(resources.files("conformance") / "specs"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "specs"


def _read_yaml(path: Path) -> Any:
    """Parsed with libyaml where PyYAML has it: ten times faster, and every worker of a run loads the catalogue."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def load_catalogue(directory: Path | None = None) -> Catalogue:
    root = directory or specs_dir()
    index = _read_yaml(root / "catalogue.yaml")
    families = []
    seen: set[str] = set()
    for entry in index["families"]:
        path = root / "requirements" / f"{entry['name']}.yaml"
        items = _read_yaml(path) or []
        requirements = tuple(_requirement(item, entry["name"], path, seen) for item in items)
        families.append(Family(entry["name"], entry["title"], requirements))
    catalogue = Catalogue(str(index["version"]), tuple(families), ())
    walk = _read_yaml(root / "oauch-crosswalk.yaml")["oauch"]
    return replace(catalogue, crosswalk=tuple(_crosswalk_row(entry, catalogue) for entry in walk))


def _crosswalk_row(entry: dict[str, str], catalogue: Catalogue) -> dict[str, Any]:
    """One OAuch test: the requirements that name it, or why none does."""
    covering = [r.id for r in catalogue if entry["test"] in r.oauch]
    return {"oauch": entry["test"], "requirements": covering, "why": entry.get("why", "")}


def _requirement(item: dict[str, Any], family: str, path: Path, seen: set[str]) -> Requirement:
    where = f"{path.name}: {item.get('id', '?')}"
    missing = _REQUIRED - set(item)
    unknown = set(item) - _FIELDS
    if missing or unknown:
        raise ValueError(f"{where}: missing {sorted(missing)} / unknown {sorted(unknown)}")
    if item["id"] in seen:
        raise ValueError(f"{where}: duplicate id")
    seen.add(item["id"])
    if item["level"] not in LEVELS or item["severity"] not in SEVERITIES:
        raise ValueError(f"{where}: level must be one of {LEVELS}, severity one of {SEVERITIES}")
    profiles = frozenset(item["profiles"])
    if not profiles <= set(PROFILES):
        raise ValueError(f"{where}: profiles must be among {PROFILES}")
    if not item.get("spry") and not item.get("rfc"):
        raise ValueError(f"{where}: a requirement needs a source (spry and/or rfc)")
    return Requirement(
        id=item["id"],
        title=item["title"],
        level=item["level"],
        severity=item["severity"],
        family=family,
        profiles=profiles,
        rule=" ".join(str(item["rule"]).split()),
        spry=item.get("spry"),
        rfc=tuple(item.get("rfc", ())),
        oauch=tuple(item.get("oauch", ())),
        asvs=tuple(str(a) for a in item.get("asvs", ())),
        gain=item.get("gain", ""),
        enable=item.get("enable", ""),
        aggressive=bool(item.get("aggressive", False)),
        kind=_kind(item.get("kind", "breach"), where),
        binds=_binds(item["binds"], where),
    )


def _binds(value: object, where: str) -> str:
    if value not in BINDS:
        raise ValueError(f"{where}: binds must be one of {BINDS} (the suite judges servers only)")
    return str(value)


def _kind(value: object, where: str) -> str:
    if value not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}")
    return str(value)
