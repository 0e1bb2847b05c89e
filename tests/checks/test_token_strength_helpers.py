"""The entropy estimator (conformance.flows.entropy): strong values pass, weak ones are caught and named."""

from __future__ import annotations

import base64
import random
import uuid

import pytest

from conformance.flows.entropy import MUST_BITS, alphabet_of, estimate

RNG = random.Random(20260101)  # fixed inputs: the tests never depend on luck


def token_urlsafe(nbytes: int) -> str:
    """secrets.token_urlsafe, from the seeded generator."""
    return base64.urlsafe_b64encode(RNG.randbytes(nbytes)).rstrip(b"=").decode()


def token_hex(nbytes: int) -> str:
    return RNG.randbytes(nbytes).hex()


def test_urlsafe_tokens_of_32_bytes_pass() -> None:
    found = estimate([token_urlsafe(32) for _ in range(5)])
    assert found.bits >= MUST_BITS and not found.findings
    assert (found.alphabet, found.length) == ("base64url", 43)


def test_128_bit_hex_tokens_pass_exactly_at_the_threshold() -> None:
    found = estimate([token_hex(16) for _ in range(5)])
    assert found.alphabet == "lower-case hex"
    assert found.bits == 128.0


def test_a_fixed_prefix_with_enough_randomness_after_it_passes() -> None:
    found = estimate(["spry_rt_" + token_urlsafe(32) for _ in range(5)])
    assert found.bits >= MUST_BITS
    assert any("shared prefix of 8" in f for f in found.findings)


def test_six_digit_codes_fail_on_their_length() -> None:
    found = estimate([f"{RNG.randrange(10**6):06d}" for _ in range(5)])
    assert found.bits < MUST_BITS
    assert (found.alphabet, found.upper_bound) == ("decimal digits", 19.9)


def test_counters_fail_as_sequential() -> None:
    found = estimate([str(n) for n in range(41, 47)])
    assert found.bits < 2
    assert any(f.startswith("sequential") for f in found.findings)


def test_long_padded_counters_fail_as_sequential_despite_their_length() -> None:
    found = estimate([f"rt-{n:040d}" for n in range(1000, 1005)])
    assert found.upper_bound > MUST_BITS  # the length alone would pass
    assert found.bits < 2
    assert any("shared prefix" in f for f in found.findings) and any(
        "sequential" in f for f in found.findings
    )


def test_timestamp_prefixed_values_fail_on_their_fixed_digits() -> None:
    values = [f"{1767225600000 + 37 * i}{token_hex(12)}" for i in range(5)]  # a ms clock, then 96 random bits
    found = estimate(values)
    assert found.upper_bound >= MUST_BITS  # 37 hex-looking characters could hold 148 bits ...
    assert found.bits < MUST_BITS  # ... but the clock's high digits never change
    assert any("positions are the same" in f for f in found.findings)


def test_uuid4_falls_short_of_128_bits() -> None:
    found = estimate([str(uuid.UUID(bytes=RNG.randbytes(16), version=4)) for _ in range(5)])
    assert 118 < found.bits < MUST_BITS  # 122 random bits in 36 characters


def test_repeated_values_are_caught() -> None:
    value = token_urlsafe(32)
    found = estimate([value, token_urlsafe(32), value])
    assert found.bits < 8
    assert any("repeated" in f for f in found.findings)


def test_a_crowded_sample_is_caught() -> None:
    base = int.from_bytes(RNG.randbytes(20), "big")
    values = [f"{base + RNG.randrange(1000):048x}" for _ in range(5)]
    RNG.shuffle(values)  # not in order: crowded rather than sequential
    found = estimate(values)
    assert found.upper_bound >= MUST_BITS and found.bits < 16


@pytest.mark.parametrize(
    ("chars", "name"),
    [
        ("0123", "decimal digits"),
        ("09af", "lower-case hex"),
        ("AZ27", "base32"),
        ("aZ-_", "base64url"),
        ("a+/", "base64"),
    ],
)
def test_alphabets(chars: str, name: str) -> None:
    assert alphabet_of(set(chars))[0] == name


def test_an_empty_sample_is_an_error() -> None:
    with pytest.raises(ValueError):
        estimate([])
