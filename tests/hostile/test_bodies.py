"""Response bodies no client should swallow whole: not JSON, not UTF-8, gigabytes, gzip bombs.

The rule (conformance/http.py): a response is read up to MAX_BODY_BYTES *decoded* bytes and no
further, whatever its Content-Length, its transfer coding or its Content-Encoding. So a hostile
body costs the run one capped read: the checks that needed a usable answer fail (or error) and
say what they got, the others keep their results, and the run's memory stays bounded.

The runs that read a large body are fresh processes: their peak resident memory is measured
(`Outcome.peak_rss_mb`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.http import MAX_BODY_BYTES

from .conftest import PATIENTS_PATH, TOKEN_PATH, Wrapped, requirements, run_against
from .middleware import (
    GIB,
    Behaviour,
    after,
    double_gzip_bomb,
    gzip_bomb,
    on_route,
    respond,
    stream,
    swap_success_body,
)

#: Peak resident memory a run may reach (MB). A clean run of three requirements peaks near 90 MB and
#: a whole run near 300 MB (schemathesis and hypothesis); reading one of these bodies whole takes a
#: gigabyte or more, and so does inflating a bomb in one go (even one 64 KB chunk of it: +130 MB).
SUBSET_MEMORY_BOUND_MB = 192
FULL_RUN_MEMORY_BOUND_MB = 448
JSON = {"content-type": "application/json", "cache-control": "no-store", "pragma": "no-cache"}
CUT = "(body cut at the read cap)"

#: name -> (how the token endpoint answers, what the CC-SUCCESS failure must show)
BODIES: dict[str, tuple[Callable[[], Behaviour], str]] = {
    "not-json": (lambda: respond(200, JSON, b"<html><body>Service temporarily unavailable</body></html>"),
                 "Service temporarily unavailable"),
    # the body is shown (its undecodable bytes as U+FFFD); see test_invalid_utf8_failure_names_the_encoding
    "invalid-utf-8": (lambda: respond(200, JSON, b'{"access_token": "\xff\xfe\xc3\x28", "token_type": "Bearer"}'),
                      '"token_type": "Bearer"'),
    "gzip-bomb": (lambda: respond(200, {**JSON, "content-encoding": "gzip"}, gzip_bomb()), CUT),
    "double-gzip-bomb": (lambda: respond(200, {**JSON, "content-encoding": "gzip, gzip"}, double_gzip_bomb()),
                         CUT),
    "endless-chunked": (lambda: stream(JSON, chunk=b"x" * 65536), CUT),
    "gigabytes-declared": (lambda: stream({**JSON, "content-length": str(8 * GIB)}, chunk=b" " * 65536), CUT),
}  # fmt: skip

#: bodies of a few dozen bytes: no memory to measure
SMALL = {"not-json", "invalid-utf-8"}
#: checks that never touch the token endpoint's answer body: they must keep passing
UNTOUCHED = ["AC-UNKNOWN-CLIENT-NO-REDIRECT", "BEARER-MISSING-CHALLENGE"]


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_hostile_token_body_fails_the_token_checks_with_memory_bounded(
    kind: str, tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """Every token request after the preflight's gets the hostile body: CC-SUCCESS fails showing what came back, the
    checks that do not read a token response pass, the run ends and its memory stays bounded."""
    behaviour, shown = BODIES[kind]
    served = reference_target(on_route("POST", TOKEN_PATH, after(1, behaviour())))
    fresh = kind not in SMALL  # a fresh process, to measure its memory (2 s of imports)
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements("CC-SUCCESS", *UNTOUCHED),
                          fresh=fresh, limit=60)  # fmt: skip
    statuses = outcome.statuses()
    assert statuses["CC-SUCCESS"] == "failed", outcome.explain()
    assert {r: statuses[r] for r in UNTOUCHED} == dict.fromkeys(UNTOUCHED, "passed"), outcome.explain()
    (message,) = [
        m for c, m in outcome.messages("failed").items() if "test_valid_request_gets_access_token" in c
    ]
    assert "expected: a JSON body with a string access_token" in message, message
    assert shown in message, message
    assert "Traceback" not in outcome.output
    assert outcome.code == 1, outcome.explain()
    if fresh:
        assert outcome.peak_rss_mb is not None and outcome.peak_rss_mb < SUBSET_MEMORY_BOUND_MB, (
            f"{kind}: the run peaked at {outcome.peak_rss_mb:.0f} MB"
        )
    assert outcome.seconds < 60, outcome.explain()


def test_gzip_bomb_on_the_resource_keeps_every_other_result(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """A whole run; every 200 of GET /v2/patients carries a double gzip bomb (2.5 KB -> 1 GiB) as its body.

    The checks that read the resource's data fail, showing the body cut at the read cap; the
    refusals (401, 403) are the server's own, so the bearer checks keep passing, and so do the
    token, authorization and refresh checks; the run's memory stays bounded.
    """
    bomb = swap_success_body({**JSON, "content-encoding": "gzip, gzip"}, double_gzip_bomb())
    served = reference_target(on_route("GET", PATIENTS_PATH, bomb))
    outcome = run_against(tmp_path, served.base_url, served.env, fresh=True, limit=150)
    statuses = outcome.statuses()
    assert outcome.code == 1, outcome.explain()
    assert statuses["SPRY-ENVELOPE"] == "failed", outcome.explain()
    failed = outcome.messages("failed")
    assert failed and all(CUT in message for message in failed.values()), failed
    for untouched in ("CC-SUCCESS", "AC-LOGIN-REDIRECT", "RT-DOCUMENTED-ENDPOINT", "BEARER-INVALID-TOKEN-REFUSED",
                      "JWT-SIGNATURE-VERIFIED"):  # fmt: skip
        assert statuses[untouched] == "passed", (untouched, statuses[untouched])
    assert not outcome.messages("error"), outcome.messages("error")
    assert outcome.peak_rss_mb is not None and outcome.peak_rss_mb < FULL_RUN_MEMORY_BOUND_MB, (
        f"the run peaked at {outcome.peak_rss_mb:.0f} MB"
    )


NESTED = b"[" * (MAX_BODY_BYTES + 1024)  # JSON nested far deeper than any parser recurses


def test_deeply_nested_json_body_is_reported_not_crashed(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """The token endpoint answers `[[[[…` (2 MB) once the run started: CC-SUCCESS reads it as "not JSON"
    (conformance/http.py catches the parser's RecursionError) and the run ends with its reports."""
    served = reference_target(on_route("POST", TOKEN_PATH, after(1, respond(200, JSON, NESTED))))
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements("CC-SUCCESS", *UNTOUCHED))
    assert outcome.statuses()["CC-SUCCESS"] == "failed", outcome.explain()
    assert (outcome.report_dir / "report.html").is_file()
    assert outcome.code == 1, outcome.explain()


def test_invalid_utf8_failure_names_the_encoding(
    tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    """RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8; a failure on a body that is not
    should say so, not leave the reviewer to spot the replacement characters."""
    behaviour, _ = BODIES["invalid-utf-8"]
    served = reference_target(on_route("POST", TOKEN_PATH, after(1, behaviour())))
    outcome = run_against(tmp_path, served.base_url, served.env, *requirements("CC-SUCCESS"))
    (message,) = outcome.messages("failed").values()
    assert "UTF-8" in message, message
