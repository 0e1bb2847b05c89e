"""The catalogue and the checks agree: every requirement has a check, every check names a requirement."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import conformance.checks
from conformance.catalogue import LEVELS, PROFILES, SEVERITIES, load_catalogue

CATALOGUE = load_catalogue()


def checks() -> dict[str, list[str]]:
    """check name -> the requirement ids it names."""
    found: dict[str, list[str]] = {}
    for module_info in pkgutil.iter_modules(conformance.checks.__path__):
        if not module_info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"conformance.checks.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__:
                marks = getattr(function, "pytestmark", [])
                found[f"{module_info.name}::{name}"] = [m.args[0] for m in marks if m.name == "requirement"]
    return found


def test_every_check_names_exactly_one_known_requirement() -> None:
    problems = {
        name: ids for name, ids in checks().items() if len(ids) != 1 or ids[0] not in CATALOGUE.requirements
    }
    assert not problems, f"checks naming no, several or unknown requirements: {problems}"


def test_every_requirement_has_a_check() -> None:
    covered = {ids[0] for ids in checks().values() if ids}
    missing = sorted(set(CATALOGUE.requirements) - covered)
    assert not missing, f"requirements without a check: {missing}"


def test_requirements_are_well_formed() -> None:
    for r in CATALOGUE:
        assert r.level in LEVELS and r.severity in SEVERITIES and r.profiles <= set(PROFILES), r.id
        assert r.source and r.rule and r.title, r.id
        assert "spry" in r.profiles, f"{r.id}: every requirement belongs to the default spry profile"
        if r.rfc:
            assert r.links(), f"{r.id}: RFC references must read like 'RFC 6749 §5.1'"
        if "oauth2" in r.profiles:
            assert r.rfc, f"{r.id}: a generic (oauth2) requirement must cite an RFC"


def test_crosswalk_accounts_for_every_oauch_test() -> None:
    """Each of OAuch's Spry-relevant tests is covered by a requirement, or says why it is not."""
    rows = CATALOGUE.crosswalk
    assert len(rows) == 97, "anchors.md §1.3 lists 97 OAuch tests relevant to Spry (89 without revocation)"
    for row in rows:
        assert bool(row["requirements"]) != bool(row["why"]), (
            f"{row['oauch']}: a requirement or a reason, not both"
        )
    listed = {row["oauch"] for row in rows}
    named = {test for r in CATALOGUE for test in r.oauch}
    assert named <= listed, f"requirements name OAuch tests the crosswalk lacks: {sorted(named - listed)}"


def test_aggressive_requirements_match_aggressive_checks() -> None:
    """The catalogue's `aggressive` flag (README, reports) agrees with the checks' `aggressive` marker."""
    marked: set[str] = set()
    for module_info in pkgutil.iter_modules(conformance.checks.__path__):
        if module_info.name.startswith("test_"):
            module = importlib.import_module(f"conformance.checks.{module_info.name}")
            for _, function in inspect.getmembers(module, inspect.isfunction):
                marks = getattr(function, "pytestmark", [])
                if any(m.name == "aggressive" for m in marks):
                    marked.update(m.args[0] for m in marks if m.name == "requirement")
    assert marked == {r.id for r in CATALOGUE if r.aggressive}


def test_every_requirement_quotes_the_sentence_that_binds_a_server() -> None:
    """Judged only by the sentence that binds it: each rule quotes its text and names the server it binds."""
    from conformance.catalogue import BINDS, load_catalogue

    catalogue = load_catalogue()
    unquoted = [r.id for r in catalogue if '"' not in r.rule]
    assert not unquoted, f"rules that quote no sentence: {unquoted}"
    assert all(r.binds in BINDS for r in catalogue)
    assert {r.kind for r in catalogue} == {"breach", "format"}
