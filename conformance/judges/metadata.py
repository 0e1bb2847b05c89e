"""Judges of the authorization server metadata (RFC 8414; RFC 9700 §2.1.1, §2.1.2, §2.4).

Pure: each reads the published document (and the response that carried it), or the answer of the
endpoint the document names, and returns a `Finding`.
"""

from __future__ import annotations

from typing import Any

from conformance.findings import Evidence, Finding, judged
from conformance.flows.token import TokenResponse
from conformance.judges.answers import Answered
from conformance.rfc6749 import TOKEN_ERRORS
from conformance.verdict import describe


def ensure_issuer_matches(document: dict[str, Any], issuer: str, carried: Evidence) -> Finding:
    """RFC 8414 §3.3: "The "issuer" value returned MUST be identical to the authorization server's issuer
    identifier value into which the well-known URI string was inserted"."""
    return judged(document.get("issuer") == issuer, f"issuer {issuer!r}", carried,
                  observed=f"issuer {describe(document.get('issuer'))}")  # fmt: skip


def ensure_named_token_endpoint_works(named: str, carried: Evidence, answer: TokenResponse) -> Finding:
    """RFC 8414 §2: "token_endpoint URL of the authorization server's token endpoint": a token request sent
    to the named URL gets a token or an RFC 6749 §5.2 error."""
    works = answer.ok or answer.status in {400, 401} and answer.error in TOKEN_ERRORS
    return judged(works, f"{named} answers a token request as a token endpoint (a token, or a §5.2 error)",
                  carried, answer,
                  observed=f"HTTP {answer.status}" + (f", error {answer.error!r}" if answer.error else ""))  # fmt: skip


def ensure_named_authorization_endpoint_works(named: str, carried: Evidence, page: Answered) -> Finding:
    """RFC 8414 §2: "authorization_endpoint URL of the authorization server's authorization endpoint": an
    authorization request sent to the named URL gets a page or a redirect."""
    return judged(200 <= page.status < 400, f"{named} answers an authorization request (a page or a redirect)",
                  carried, page, observed=f"HTTP {page.status}")  # fmt: skip


def ensure_s256_advertised(document: dict[str, Any], carried: Evidence) -> Finding:
    """RFC 9700 §2.1.1: "It is RECOMMENDED ... to publish the element code_challenge_methods_supported"."""
    methods = document.get("code_challenge_methods_supported")
    return judged(isinstance(methods, list) and "S256" in methods, 'code_challenge_methods_supported with "S256"',
                  carried, observed=f"code_challenge_methods_supported {describe(methods)}")  # fmt: skip


def ensure_no_deprecated_grant_advertised(document: dict[str, Any], carried: Evidence) -> Finding:
    """RFC 9700 §2.1.2 (implicit: response type "token") and §2.4 (password): not advertised."""
    advertised = []
    if "token" in (document.get("response_types_supported") or []):
        advertised.append('response type "token" (the implicit grant)')
    if "password" in (document.get("grant_types_supported") or []):
        advertised.append('grant type "password"')
    return judged(not advertised, "neither the implicit grant nor the password grant advertised", carried,
                  observed="advertised: " + ", ".join(advertised))  # fmt: skip
