"""Faults of the authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.1.2.1) and of the authorization
code grant (§4.1.3, §10.5; RFC 7636; RFC 9700 §2.1.1)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
    Fault(
        "pkce-method-wrong-error",
        ("AC-ERROR-CODE",),
        "an unsupported code_challenge_method is refused with unsupported_response_type, not invalid_request",
    ),
    Fault("authorize-500", ("AC-LOGIN-REDIRECT",), "the consent approval answers 500"),
    Fault("state-mangled", ("AC-STATE-ROUNDTRIP",), "the state is truncated at the first space"),
    Fault(
        "unknown-client-redirects",
        ("AC-UNKNOWN-CLIENT-NO-REDIRECT",),
        "an unknown client_id is redirected to the redirect_uri it sent",
    ),
    Fault(
        "redirect-uri-prefix-match",
        ("AC-REDIRECT-URI-EXACT", "SEC-REDIRECT-LOOKALIKES"),
        "any redirect_uri starting with the registered one is accepted",
    ),
    Fault(
        "redirect-uri-mismatch-redirects",
        ("AC-REDIRECT-MISMATCH-NO-REDIRECT",),
        "a mismatching redirect_uri gets an error redirect to that URI",
    ),
    Fault(
        "response-type-missing-page",
        ("AC-RESPONSE-TYPE-MISSING",),
        "a missing response_type gets an error page instead of a redirect",
    ),
    Fault(
        "response-type-unknown-wrong-error",
        ("AC-RESPONSE-TYPE-UNSUPPORTED",),
        "an unknown response_type gets error=invalid_request",
    ),
    Fault(
        "implicit-grant-enabled",
        ("SEC-IMPLICIT-DISABLED",),
        "response_type=token is served (access_token in the fragment)",
    ),
    Fault(
        "authorize-invalid-scope-ignored",
        ("AC-INVALID-SCOPE",),
        "an unknown scope at the authorize endpoint is silently dropped",
    ),
    Fault("error-redirect-drops-state", ("AC-ERROR-STATE",), "error redirects omit state"),
    Fault(
        "authorize-repeated-param-accepted",
        ("AC-REPEATED-PARAM-REFUSED",),
        "repeated authorize parameters are accepted",
    ),
    Fault(
        "authorize-unknown-param-rejected",
        ("AC-UNKNOWN-PARAM-IGNORED",),
        "an unrecognised authorize parameter gets error=invalid_request",
    ),
    Fault(
        "consent-deny-issues-code",
        ("AC-DENY-NO-CODE",),
        "the consent form's Deny button issues a code, like Allow",
    ),
    Fault("code-reusable", ("AC-CODE-SINGLE-USE",), "a code can be redeemed any number of times"),
    Fault(
        "code-reuse-keeps-tokens",
        ("AC-CODE-REUSE-REVOKES",),
        "a replayed code is refused but the tokens issued from it stay valid",
    ),
    Fault(
        "code-not-bound-to-client",
        ("AC-CODE-BOUND-TO-CLIENT",),
        "any authenticated client may redeem any code",
    ),
    Fault(
        "code-not-bound-to-redirect",
        ("AC-CODE-BOUND-TO-REDIRECT-URI",),
        "the token request's redirect_uri is not compared",
    ),
    Fault("code-never-expires", ("AC-CODE-EXPIRES",), "codes live forever"),
    Fault(
        "pkce-not-enforced",
        ("AC-PKCE-VERIFIER-REQUIRED", "AC-PKCE-VERIFIER-CHECKED"),
        "code_verifier is never checked",
    ),
    Fault(
        "pkce-downgrade-accepted",
        ("AC-PKCE-DOWNGRADE",),
        "a verifier sent for a code issued without challenge is accepted",
    ),
    Fault(
        "pkce-plain-downgrade",
        ("AC-PKCE-METHOD-BOUND",),
        "with an S256 challenge, verifier == challenge (plain) is accepted",
    ),
    Fault("pkce-s256-unsupported", ("AC-PKCE-S256",), "code_challenge_method=S256 gets invalid_request"),
    Fault(
        "code-flow-no-refresh-token",
        ("AC-REFRESH-TOKEN-ISSUED",),
        "the code exchange issues no refresh_token",
    ),
    Fault(
        "code-exchange-no-client-auth",
        ("AC-CLIENT-AUTH-REQUIRED",),
        "the code exchange succeeds without client authentication",
    ),
    Fault(
        "code-token-is-client-identity",
        ("AC-TOKEN-REPRESENTS-USER",),
        "code-flow tokens carry the client's identity, not the user's",
    ),
    Fault("code-race", ("SEC-RACE-CODE",), "code redemption is check-then-act with a 50 ms gap"),
    Fault("low-entropy-code", ("SEC-ENTROPY-CODE",), "codes are 6 decimal digits"),
)
