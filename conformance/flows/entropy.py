"""How many bits of unpredictability a sample of issued values shows (RFC 6749 §10.10).

RFC 6749 §10.10: "The probability of an attacker guessing generated tokens (and other credentials not
intended for handling by end-users) MUST be less than or equal to 2^(-128) and SHOULD be less than or
equal to 2^(-160)." A black box cannot measure entropy; it can bound it from above and find patterns:

- the upper bound: the shortest value's length × log2(the size of the smallest common alphabet its
  characters fit in: decimal digits, hex, base32, base64url...);
- positions that hold the same character in every value (a fixed prefix, a timestamp's high digits,
  a version field) carry nothing, when more of them agree than chance explains;
- repeated values, and values that are sequential or crowded into a small range (counters, clocks).

The estimate is the upper bound lowered by every pattern found. Pure functions, no I/O.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from dataclasses import dataclass

MUST_BITS = 128  # RFC 6749 §10.10: guessing probability at most 2^-128
SHOULD_BITS = 160  # ... and SHOULD be at most 2^-160

_B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits
#: Standard alphabets, smallest first; their order gives each character its digit value.
ALPHABETS: tuple[tuple[str, str], ...] = (
    ("decimal digits", string.digits),
    ("lower-case hex", string.digits + "abcdef"),
    ("upper-case hex", string.digits + "ABCDEF"),
    ("base32", string.ascii_uppercase + "234567"),
    ("lower-case letters and digits", string.digits + string.ascii_lowercase),
    ("upper-case letters and digits", string.digits + string.ascii_uppercase),
    ("letters and digits", _B64),
    ("base64url", _B64 + "-_"),
    ("base64", _B64 + "+/"),
    ("URL-safe characters", _B64 + "-._~"),
    ("printable ASCII", "".join(chr(c) for c in range(33, 127))),
)
CHANCE = 1e-6  # a pattern counts when a random source would show it with at most this probability
SEQUENTIAL_STEP = 2**16  # values that each add at most this to the previous one are a counter


@dataclass(frozen=True)
class Estimate:
    """What a sample of issued values says about their unpredictability (never the values themselves)."""

    bits: float  # the estimate: the upper bound lowered by the patterns found
    upper_bound: float  # the shortest length × log2(alphabet size)
    samples: int
    length: int  # the shortest value's length (padding excluded)
    alphabet: str
    alphabet_size: int
    findings: tuple[str, ...] = ()

    def describe(self) -> str:
        """e.g. `about 20 bits (upper bound 20: 6 characters of decimal digits, 10 symbols; 5 samples)`."""
        characters = f"{self.length} character{'s' if self.length != 1 else ''}"
        text = (
            f"about {self.bits:.0f} bits (upper bound {self.upper_bound:.0f}: {characters} of"
            f" {self.alphabet}, {self.alphabet_size} symbols; {self.samples} samples)"
        )
        return "; ".join([text, *self.findings])


def alphabet_of(chars: set[str]) -> tuple[str, str]:
    """The smallest standard alphabet holding every character (name, symbols in digit order)."""
    for name, symbols in ALPHABETS:
        if chars <= set(symbols):
            return name, symbols
    return f"{len(chars)} distinct characters (non-ASCII or unusual)", "".join(sorted(chars))


def estimate(values: Sequence[str]) -> Estimate:
    """Estimate the unpredictability of issued values from a small sample (in issue order)."""
    if not values:
        raise ValueError("no values to estimate")
    sample = [value.rstrip("=") for value in values]  # base64 padding carries nothing
    n, length = len(sample), min(len(value) for value in sample)
    name, symbols = alphabet_of(set("".join(sample)))
    size = max(len(symbols), 2)
    upper = length * math.log2(size)
    bits, findings = upper, []

    repeated = n - len(set(sample))
    if repeated:
        bits = min(bits, 2 * math.log2(n))  # a few random draws repeat only from a tiny space
        findings.append(f"{repeated} repeated value(s) among {n}")

    varying = list(range(length))
    constant = {i for i in range(length) if len({value[i] for value in sample}) == 1}
    if n >= 3 and constant and _unlikely_by_chance(length, len(constant), size ** -(n - 1)):
        varying = [i for i in range(length) if i not in constant]
        prefix = min(varying, default=length)
        where = f" (a shared prefix of {prefix})" if prefix >= 2 else ""
        if varying:
            v_name, symbols = alphabet_of({value[i] for value in sample for i in varying})
            bits = min(bits, len(varying) * math.log2(max(len(symbols), 2)))
            rest = f"; the {len(varying)} others use {v_name}"
        else:
            bits, rest = 0.0, ""
        findings.append(f"{len(constant)} of {length} positions are the same in every value{where}{rest}")

    numbers = _as_numbers(sample, varying, symbols)
    if n >= 3 and numbers is not None and len(set(numbers)) == n:
        steps = [b - a for a, b in zip(numbers, numbers[1:], strict=False)]
        span = max(numbers) - min(numbers)
        space = len(varying) * math.log2(max(len(symbols), 2)) if varying else upper
        if all(0 < s <= SEQUENTIAL_STEP for s in steps) or all(-SEQUENTIAL_STEP <= s < 0 for s in steps):
            largest = max(abs(s) for s in steps)
            bits = min(bits, math.log2(largest + 1))
            findings.append(
                f"sequential: each value is the previous one plus at most {largest} (a counter or a clock)"
            )
        elif math.log2(span + 1) + math.log2(n * n) < space + math.log2(CHANCE):
            bits = min(bits, math.log2(span + 1))
            findings.append(
                f"crowded: the values lie within 2^{math.log2(span + 1):.0f} of the 2^{space:.0f} possible"
                " (a counter, a clock or a weak generator)"
            )
    return Estimate(
        round(bits, 1),
        round(upper, 1),
        n,
        length,
        alphabet_of(set("".join(sample)))[0],
        size,
        tuple(findings),
    )


def _unlikely_by_chance(positions: int, constant: int, p: float) -> bool:
    """Would `constant` or more of `positions` agree across the sample with probability at most CHANCE?"""
    tail = sum(
        math.comb(positions, k) * p**k * (1 - p) ** (positions - k) for k in range(constant, positions + 1)
    )
    return tail <= CHANCE


def _as_numbers(sample: list[str], varying: list[int], symbols: str) -> list[int] | None:
    """The values as integers: decimal values as they read, others from their varying positions in the
    alphabet's digit order (equal lengths only); None when they cannot be read so."""
    if all(value.isdigit() and value.isascii() for value in sample):
        return [int(value) for value in sample]
    if len({len(value) for value in sample}) != 1 or not varying:
        return None
    base, digit = len(symbols), {char: index for index, char in enumerate(symbols)}
    numbers = []
    for value in sample:
        number = 0
        for i in varying:
            if value[i] not in digit:
                return None
            number = number * base + digit[value[i]]
        numbers.append(number)
    return numbers


__all__ = ["ALPHABETS", "MUST_BITS", "SHOULD_BITS", "Estimate", "alphabet_of", "estimate"]
