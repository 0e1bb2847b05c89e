"""Variants prove that no check fails wrongly: each unusual but correct behaviour of the reference server
(conformance.reference.variants) leaves every requirement unfailed, with no warning but the ones the
variant declares (a SHOULD it leaves unmet), whatever else the run judges.

Faults prove that checks fail (tests/checks/test_fault_proofs.py); these prove that they do not accuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.reference.variants import VARIANTS
from tests.support import run_suite_here


@pytest.mark.parametrize("variant", sorted(VARIANTS), ids=str)
def test_no_requirement_fails_on_a_correct_variant(variant: str, tmp_path: Path) -> None:
    run = run_suite_here(tmp_path, "--variant", variant, "--aggressive", "--seed", "1")
    accused = {r: s for r, s in run.statuses().items() if s in {"failed", "error"}}
    assert not accused, f"variant {variant} ({VARIANTS[variant].permitted_by}) was accused: {accused}"
    warned = {r for r, s in run.statuses().items() if s == "warning"}
    assert warned <= set(VARIANTS[variant].warns), f"unexpected warnings on {variant}: {sorted(warned)}"
    assert run.code == 0, run.output[-2000:]


def test_every_variant_names_the_text_that_permits_it() -> None:
    for variant in VARIANTS.values():
        assert "RFC" in variant.permitted_by, variant.name


def test_public_key_attacks_run_against_rs256_tokens(tmp_path: Path) -> None:
    """With RS256 tokens the algorithm-confusion and embedded-key attacks are exercised, not skipped."""
    run = run_suite_here(tmp_path, "--variant", "rs256-tokens", "--requirement", "JWT-ALG-CONFUSION",
                         "--requirement", "JWT-HEADER-KEYS-IGNORED", "--requirement", "JWT-SIGNATURE-VERIFIED")  # fmt: skip
    assert run.statuses() == dict.fromkeys(("JWT-ALG-CONFUSION", "JWT-HEADER-KEYS-IGNORED", "JWT-SIGNATURE-VERIFIED"),
                                           "passed"), run.output[-2000:]  # fmt: skip
