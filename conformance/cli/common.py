"""What every command shares: the exit codes of the contract, the one-line usage error, durations."""

from __future__ import annotations

import sys

EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_SUITE_ERROR = 0, 1, 2, 3, 4


def usage(message: str) -> int:
    from conformance.masking import shown

    print(f"spry-conformance: error: {shown(message)}", file=sys.stderr)
    return EXIT_USAGE


def duration(text: str) -> float:
    """Seconds from `50ms`, `90s`, `90`, `10m`, `10min` or `1.5h`."""
    text = text.strip().lower()
    for suffix, factor in (("ms", 0.001), ("min", 60.0), ("m", 60.0), ("h", 3600.0), ("s", 1.0)):
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)
