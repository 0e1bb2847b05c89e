"""Judges of leakage and the browser-facing defences: error responses give nothing away, the authorization
pages defend the browser (ASVS 5.0 16.5.1, 14.3.2; RFC 9700 §4.16, §4.2.4; RFC 6749 §10.12).

Pure: each reads recorded answers (through the readers of flows.leaks and flows.browser) and returns a `Finding`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from conformance.findings import Finding, judged
from conformance.flows.authorize import AuthorizationResponse
from conformance.flows.browser import (
    SAFE_REFERRER_POLICIES,
    cache_directives,
    frame_ancestors,
    framing_verdict,
    referrer_policy,
    restricts_framing,
)
from conformance.flows.leaks import find_leaks
from conformance.judges.answers import Answered


def ensure_errors_show_no_internals(answers: Sequence[tuple[str, Answered]]) -> Finding:
    """ASVS 5.0 16.5.1: "a generic message is returned to the consumer when an unexpected or security-sensitive
    error occurs, ensuring no exposure of sensitive internal system data such as stack traces, queries ...".
    `answers` are the (probe label, answer) of every malformed request that was answered."""
    leaking: list[Answered] = []
    found = []
    for label, answer in answers:
        leaks = find_leaks(answer.text, answer.headers.multi_items())
        if leaks:
            leaking.append(answer)
            found.append(f"{label}: HTTP {answer.status} shows " + "; ".join(map(str, leaks)))
    return judged(not leaking, "error responses without a stack trace, a framework debug page or SQL text",
                  *leaking, observed=" | ".join(found))  # fmt: skip


def ensure_no_secret_echoed(answer: Answered, echoes: Mapping[str, Sequence[str]]) -> Finding:
    """ASVS 5.0 16.5.1: no exposure of "secret keys, and tokens" in error responses. `echoes` maps each submitted
    value, as the report may show it ("the client_secret «masked»"), to where the raw answer repeats it."""
    repeated = [f"{shown} in the {', '.join(places)}" for shown, places in echoes.items() if places]
    return judged(not repeated, "the submitted secrets are not repeated in the error response", answer,
                  observed="; ".join(repeated))  # fmt: skip


def ensure_framing_forbidden(page: Answered) -> Finding:
    """RFC 9700 §4.16: "Authorization servers MUST prevent clickjacking attacks" (X-Frame-Options, CSP
    frame-ancestors; RFC 6749 §10.13). Judged as a current browser does: CSP frame-ancestors wins when present."""
    forbidden, how = framing_verdict(page.headers)
    return judged(forbidden, "framing by an arbitrary site forbidden (CSP frame-ancestors, or X-Frame-Options "
                  "DENY/SAMEORIGIN)", page, observed=how)  # fmt: skip


def ensure_csp_frame_ancestors(page: Answered) -> Finding:
    """RFC 9700 §4.16: "authorization servers SHOULD also use Content Security Policy (CSP) level 2 ... or greater"."""
    ancestors = frame_ancestors(page.headers)
    observed = (
        "; ".join("frame-ancestors " + " ".join(s) for s in ancestors) or "no CSP frame-ancestors directive"
    )
    return judged(any(restricts_framing(s) for s in ancestors),
                  "Content-Security-Policy with a frame-ancestors directive that forbids arbitrary framing", page,
                  observed=observed)  # fmt: skip


def ensure_referer_suppressed(page: Answered) -> Finding:
    """RFC 9700 §4.2.4: "Suppress the Referer header by applying an appropriate Referrer Policy ... to the document"."""
    policy = referrer_policy(page.headers, page.text)
    return judged(policy in SAFE_REFERRER_POLICIES,
                  "a Referrer-Policy (header or meta) that never sends the page's URL to another origin", page,
                  observed=f"policy {policy}" if policy else "no Referrer-Policy header or meta referrer")  # fmt: skip


def ensure_not_stored(page: Answered) -> Finding:
    """ASVS 5.0 14.3.2: "sufficient anti-caching HTTP response header fields (i.e., Cache-Control: no-store)"."""
    directives = cache_directives(page.headers)
    return judged("no-store" in directives, "Cache-Control: no-store on the login page", page,
                  observed=f"Cache-Control {', '.join(sorted(directives))}" if directives else "no Cache-Control")  # fmt: skip


def ensure_forged_login_refused(forged: AuthorizationResponse) -> Finding:
    """RFC 6749 §10.12: "The authorization server MUST implement CSRF protection for its authorization endpoint".
    The login and consent forms posted without their hidden inputs end in no code."""
    return judged(not forged.code, "the login or consent POST without its anti-CSRF token is refused", forged,
                  observed="the forms were accepted without their hidden inputs: the redirect back carries a code")  # fmt: skip
