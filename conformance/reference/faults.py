"""Named faults: small switches that make the reference server break one rule each.

A fault is read at the one place where its rule is enforced
(``if state.faults.on("code-reusable"): ...``); there is no second copy of the server.
Every fault is declared once below, with the requirement id(s) of the suite's
catalogue that it breaks (the fault table of the project plan is the contract).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Fault:
    """One deliberate defect: its name, the requirement ids it breaks and what it does."""

    name: str
    breaks: tuple[str, ...]
    description: str
    needs_tls: bool = False
    """The fault only shows on a server started with ``ServerSettings.tls`` (transport faults)."""


class UnknownFault(ValueError):
    """A fault name that is not in :data:`FAULTS`."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted(names))
        known = ", ".join(sorted(FAULTS))
        super().__init__(f"unknown fault(s): {', '.join(self.names)}; known faults: {known}")


_DECLARED = (
    # Token response (RFC 6749 §5.1) and the Spry response fields.
    Fault(
        "token-500-on-success",
        ("CC-SUCCESS",),
        "client_credentials with a scope (the guide's request) answers 500 instead of issuing a token",
    ),
    Fault("token-type-mac", ("TOKEN-TYPE-BEARER",), 'token_type is "mac"'),
    Fault(
        "expires-in-wrong",
        ("TOKEN-EXPIRES-IN",),
        "expires_in says 7200 while tokens live for the configured lifetime",
    ),
    Fault(
        "scope-missing-in-response", ("TOKEN-SCOPE-IN-RESPONSE",), "the token response has no `scope` member"
    ),
    Fault(
        "spry-fields-as-strings",
        ("SPRY-TOKEN-FIELDS",),
        "organisation_id, user_id and clinic_id_list entries are strings",
    ),
    # Client authentication (RFC 6749 §2.3).
    Fault(
        "basic-auth-unsupported",
        ("CLIENT-AUTH-BASIC",),
        "HTTP Basic client authentication is not recognised (invalid_client)",
    ),
    Fault(
        "body-auth-unsupported",
        ("CLIENT-AUTH-BODY",),
        "client_id/client_secret in the body are ignored (invalid_client)",
    ),
    Fault(
        "wrong-secret-accepted", ("CLIENT-AUTH-WRONG-SECRET",), "any secret is accepted for a known client"
    ),
    Fault(
        "unknown-client-accepted",
        ("CLIENT-AUTH-UNKNOWN-CLIENT",),
        "an unknown client_id gets a token (as if it were primary)",
    ),
    Fault(
        "missing-secret-accepted",
        ("CLIENT-AUTH-MISSING-SECRET",),
        "a known client_id without any secret gets a token",
    ),
    Fault(
        "invalid-client-400",
        ("CLIENT-AUTH-INVALID-CLIENT-401", "CLIENT-AUTH-BASIC-CHALLENGE"),
        "invalid_client is answered with 400 and no WWW-Authenticate",
    ),
    Fault(
        "basic-failure-no-challenge",
        ("CLIENT-AUTH-BASIC-CHALLENGE",),
        "a failed Basic authentication gets 401 without WWW-Authenticate",
    ),
    Fault(
        "two-auth-methods-accepted",
        ("CLIENT-AUTH-ONE-METHOD",),
        "Basic and body credentials together are accepted",
    ),
    Fault(
        "secret-of-other-client-accepted",
        ("CLIENT-AUTH-SECRET-BOUND-TO-CLIENT",),
        "a client id with any registered client's secret is authenticated",
    ),
    Fault(
        "cc-anonymous-accepted",
        ("CC-CLIENT-AUTH-REQUIRED",),
        "client_credentials without any client authentication gets a token (as the primary client)",
    ),
    # Token request (RFC 6749 §3.2, §4.4, §5.2).
    Fault(
        "missing-grant-type-unsupported",
        ("TOKEN-GRANT-TYPE-MISSING",),
        "a missing grant_type gets unsupported_grant_type",
    ),
    Fault(
        "unknown-grant-type-invalid-request",
        ("TOKEN-GRANT-TYPE-UNSUPPORTED",),
        "an unknown grant_type gets invalid_request",
    ),
    Fault(
        "cc-issues-refresh-token",
        ("CC-NO-REFRESH-TOKEN",),
        "client_credentials responses carry a refresh_token",
    ),
    Fault(
        "token-get-allowed",
        ("TOKEN-POST-ONLY",),
        "GET with query parameters on the token endpoint issues a token",
    ),
    Fault(
        "credentials-in-query-accepted",
        ("TOKEN-NO-CREDENTIALS-IN-QUERY",),
        "client_id/client_secret in the URL query are accepted",
    ),
    Fault(
        "json-body-accepted", ("TOKEN-FORM-ENCODED-ONLY",), "a JSON body is parsed and answered with a token"
    ),
    Fault(
        "repeated-param-accepted",
        ("TOKEN-REPEATED-PARAM-REFUSED",),
        "repeated parameters are accepted (last one wins)",
    ),
    Fault(
        "no-cache-control",
        ("TOKEN-NO-STORE", "TOKEN-ERROR-NO-CACHE"),
        "token responses lack Cache-Control: no-store",
    ),
    Fault(
        "no-pragma",
        ("TOKEN-PRAGMA-NO-CACHE", "TOKEN-ERROR-NO-CACHE"),
        "token responses lack Pragma: no-cache",
    ),
    Fault(
        "token-content-type-text", ("TOKEN-CONTENT-TYPE-JSON",), "token responses are served as text/plain"
    ),
    Fault(
        "error-body-not-rfc",
        ("TOKEN-ERROR-BODY",),
        'token errors are {"message": "..."} with no `error` member',
    ),
    Fault(
        "unknown-param-rejected",
        ("TOKEN-UNKNOWN-PARAM-IGNORED",),
        "an unrecognised parameter gets invalid_request",
    ),
    Fault(
        "empty-param-not-omitted",
        ("TOKEN-EMPTY-PARAM-OMITTED",),
        "`scope=` (empty) is treated as an invalid scope",
    ),
    Fault("password-grant-enabled", ("SEC-PASSWORD-GRANT-DISABLED",), "grant_type=password issues tokens"),
    Fault(
        "repeated-param-merged",
        ("SEC-NO-PARAMETER-MERGING",),
        "a repeated state is accepted and joined with a comma: the redirect carries a state no client sent",
    ),
    Fault(
        "pkce-method-wrong-error",
        ("AC-ERROR-CODE",),
        "an unsupported code_challenge_method is refused with unsupported_response_type, not invalid_request",
    ),
    Fault(
        "login-username-500",
        ("FUZZ-LOGIN-NO-5XX",),
        "a login whose username is not ASCII gets a 500 (only the username fuzzing sends one)",
    ),
    Fault(
        "client-id-non-ascii-500",
        ("FUZZ-TOKEN-NO-5XX",),
        "a token request whose client_id is not ASCII gets a 500 (only the identity fuzzing sends one)",
    ),
    Fault(
        "rs256-alg-confusion",
        ("JWT-ALG-CONFUSION",),
        "RS256 tokens; an HS256 token signed with the public key's PEM as the HMAC secret is accepted",
    ),
    Fault(
        "metadata-issuer-mismatch",
        ("META-ISSUER-MATCHES",),
        "the metadata's issuer is not the URL it was fetched from",
    ),
    Fault(
        "metadata-wrong-endpoint",
        ("META-ENDPOINTS-MATCH",),
        "the metadata names a token endpoint the server does not serve",
    ),
    Fault(
        "metadata-no-s256",
        ("META-PKCE-S256-ADVERTISED",),
        "the metadata leaves out code_challenge_methods_supported",
    ),
    Fault(
        "metadata-advertises-implicit",
        ("META-NO-DEPRECATED-GRANTS",),
        "the metadata advertises response_type token",
    ),
    Fault(
        "metadata-advertises-password",
        ("META-NO-DEPRECATED-GRANTS",),
        "the metadata advertises the password grant",
    ),
    Fault(
        "stolen-code-unauthorized-client",
        ("TOKEN-ERROR-CODE",),
        "another client's code is refused with unauthorized_client instead of invalid_grant (the secondary client "
        "itself works: the suite must not blame its configuration)",
    ),
    Fault(
        "cors-reflected-origin-credentials",
        ("SEC-CORS",),
        "token responses reflect any Origin in Access-Control-Allow-Origin, with credentials allowed",
    ),
    Fault("no-throttle", ("SEC-BRUTE-FORCE-THROTTLED",), "failed client authentications are never throttled"),
    Fault(
        "stacktrace-on-error",
        ("SEC-NO-STACKTRACE",),
        "a malformed Basic header answers 500 with a Python traceback",
    ),
    Fault(
        "secret-echoed",
        ("SEC-NO-SECRET-ECHO",),
        "invalid_client error_description echoes the submitted client_secret",
    ),
    # Transport (RFC 6749 §3.1, §3.2; RFC 9325 §3.2): shown only by a server started with TLS.
    Fault("no-hsts", ("SEC-HSTS",), "responses over TLS carry no Strict-Transport-Security", needs_tls=True),
    Fault(
        "plain-http-served",
        ("SEC-TLS-REQUIRED",),
        "the TLS port also serves plain HTTP (no TLS required)",
        needs_tls=True,
    ),
    # Scopes (RFC 6749 §3.3).
    Fault(
        "unknown-scope-granted",
        ("SCOPE-UNKNOWN-REFUSED",),
        "an unknown scope (e.g. admin) is granted and echoed",
    ),
    Fault(
        "unregistered-scope-granted",
        ("SCOPE-UNREGISTERED-REFUSED",),
        "a scope the client is not registered for is granted",
    ),
    Fault(
        "scope-subset-ignored", ("SCOPE-SUBSET-GRANTED",), "asking for a subset gets all registered scopes"
    ),
    Fault(
        "omitted-scope-empty", ("SCOPE-DEFAULT-WHEN-OMITTED",), 'an omitted scope grants nothing (scope "")'
    ),
    Fault(
        "scope-order-sensitive",
        ("SCOPE-ORDER-INSENSITIVE",),
        'scopes in another order than "read write" get invalid_scope',
    ),
    Fault(
        "narrowed-token-keeps-scope",
        ("SCOPE-NARROWED-CANNOT-WRITE",),
        "a narrowed request is answered with the narrow scope, but the token carries every registered scope",
    ),
    # Authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.1.2.1).
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
    Fault(
        "login-csrf-not-checked",
        ("SEC-LOGIN-CSRF",),
        "the login/consent forms accept a POST without the CSRF token",
    ),
    Fault(
        "framing-allowed",
        ("SEC-ANTI-FRAMING", "SEC-CSP-FRAME-ANCESTORS"),
        "login page has no X-Frame-Options and no CSP frame-ancestors",
    ),
    Fault(
        "no-frame-ancestors",
        ("SEC-CSP-FRAME-ANCESTORS",),
        "the pages forbid framing with X-Frame-Options only (no CSP frame-ancestors)",
    ),
    Fault("no-referrer-policy", ("SEC-REFERRER-POLICY",), "the pages send no Referrer-Policy"),
    Fault("login-page-cacheable", ("SEC-LOGIN-NO-STORE",), "the pages have no Cache-Control: no-store"),
    Fault(
        "authorize-cors",
        ("SEC-CORS-AUTHORIZE",),
        "the authorization endpoint's pages answer Access-Control-Allow-Origin: *",
    ),
    Fault(
        "open-redirect-on-error",
        ("SEC-NO-OPEN-REDIRECT",),
        "the error for an unknown client redirects to the supplied redirect_uri",
    ),
    # Authorization code grant (RFC 6749 §4.1.3, §10.5; RFC 7636; RFC 9700 §2.1.1).
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
    # Refresh tokens (RFC 6749 §6, RFC 9700 §4.14).
    Fault("v1-refresh-missing", ("RT-DOCUMENTED-ENDPOINT",), "/apis/v1/oauth/token answers 404"),
    Fault(
        "refresh-no-client-auth",
        ("RT-CLIENT-AUTH-REQUIRED",),
        "a refresh without client authentication succeeds",
    ),
    Fault("refresh-not-bound-to-client", ("RT-BOUND-TO-CLIENT",), "another client may use the refresh token"),
    Fault(
        "refresh-narrow-ignored",
        ("RT-SCOPE-NARROWING",),
        "a narrower scope on refresh gets the original scope",
    ),
    Fault("refresh-scope-widening", ("RT-SCOPE-NO-WIDENING",), "a wider scope on refresh is granted"),
    Fault(
        "refresh-scope-not-preserved",
        ("RT-SCOPE-PRESERVED",),
        "after a narrowed refresh, the new refresh token carries only the narrowed scope",
    ),
    Fault(
        "refresh-same-access-token",
        ("RT-NEW-ACCESS-TOKEN",),
        "refresh hands back the same access token again",
    ),
    Fault(
        "refresh-not-rotated-old-valid",
        ("RT-ROTATION-OLD-REFUSED",),
        "a new refresh token is issued but the old one still works",
    ),
    Fault(
        "refresh-reuse-keeps-family",
        ("RT-REUSE-REVOKES-FAMILY",),
        "a replayed rotated refresh token is refused but its family stays valid",
    ),
    Fault(
        "access-token-as-refresh",
        ("RT-WRONG-ARTEFACT-REFUSED",),
        "an access token presented as refresh_token is accepted",
    ),
    Fault(
        "v2-refresh-500", ("RT-V2-TOKEN-PATH",), "the v2 token endpoint answers a refresh request with 500"
    ),
    Fault(
        "refresh-expires-with-access-token",
        ("RT-OUTLIVES-ACCESS-TOKEN",),
        "refresh tokens die once an access-token lifetime has passed since the grant",
    ),
    Fault("refresh-race", ("SEC-RACE-REFRESH",), "refresh rotation is check-then-act with a 50 ms gap"),
    Fault("low-entropy-refresh", ("SEC-ENTROPY-REFRESH",), "refresh tokens are sequential counters"),
    Fault(
        "low-entropy-access-token",
        ("SEC-ENTROPY-ACCESS",),
        "access tokens are opaque, zero-padded sequential counters",
    ),
    # Protected resource (RFC 6750) and the Spry envelope.
    Fault(
        "resource-ignores-scope",
        ("SCOPE-READ-ONLY-CANNOT-WRITE", "SCOPE-NARROWED-CANNOT-WRITE"),
        "the resource never checks scope",
    ),
    Fault(
        "insufficient-scope-401",
        ("BEARER-INSUFFICIENT-SCOPE",),
        "insufficient scope answers 401 invalid_token instead of 403",
    ),
    Fault(
        "read-scope-refused",
        ("SCOPE-READ-TOKEN-READS",),
        "GET /v2/patients refuses read-only tokens (requires write)",
    ),
    Fault(
        "write-scope-refused",
        ("SCOPE-WRITE-TOKEN-WRITES",),
        "POST /v2/patients refuses tokens with write scope (403)",
    ),
    Fault(
        "no-token-no-challenge",
        ("BEARER-MISSING-CHALLENGE",),
        "a request with no token gets 401 without WWW-Authenticate",
    ),
    Fault(
        "no-token-error-attribute",
        ("BEARER-MISSING-NO-ERROR",),
        'a request with no token gets error="invalid_token" in its challenge',
    ),
    Fault(
        "bad-token-no-error-code",
        ("BEARER-INVALID-TOKEN",),
        'a malformed/unknown token gets a bare challenge, no error="invalid_token"',
    ),
    Fault(
        "bearer-scheme-case-sensitive",
        ("BEARER-SCHEME-CASE-INSENSITIVE",),
        'only "Bearer" exactly is recognised',
    ),
    Fault("query-token-accepted", ("BEARER-NO-QUERY-TOKEN",), "?access_token= is accepted"),
    Fault(
        "header-token-refused",
        ("BEARER-HEADER-ACCEPTED",),
        "a token in the Authorization header is not recognised (treated as no token)",
    ),
    Fault(
        "invalid-token-fail-open",
        ("BEARER-INVALID-TOKEN-REFUSED",),
        "a token that fails verification is let through (fail-open error handling)",
    ),
    Fault(
        "two-token-methods-accepted",
        ("BEARER-ONE-METHOD",),
        "a token in the header and in the query or body together is served (the header wins)",
    ),
    Fault("form-token-accepted", ("BEARER-NO-FORM-TOKEN",), "access_token in a form body is accepted"),
    Fault(
        "envelope-missing", ("SPRY-ENVELOPE",), "the resource answers bare JSON instead of the Spry envelope"
    ),
    Fault(
        "revoked-token-accepted",
        ("BEARER-REVOKED-REFUSED",),
        "revocation is recorded but not checked at the resource",
    ),
    # Token lifetime (RFC 6749 §4.2.2 expires_in, RFC 7519 §4.1.4 exp).
    Fault("expired-token-accepted", ("EXPIRY-EXPIRED-REFUSED",), "the resource ignores exp"),
    Fault(
        "token-expires-early",
        ("EXPIRY-VALID-UNTIL-EXP",),
        "the resource refuses tokens older than half their lifetime",
    ),
    Fault("jwt-exp-mismatch", ("EXPIRY-JWT-EXP-MATCHES",), "the JWT exp is iat + 2 x lifetime"),
    Fault(
        "refreshed-token-long-lived",
        ("EXPIRY-REFRESHED-TOKEN",),
        "tokens from a refresh get 10 x the lifetime",
    ),
    # JWT access tokens (RFC 8725, RFC 7519).
    Fault("alg-none-accepted", ("JWT-ALG-NONE",), "the resource accepts alg none tokens"),
    Fault(
        "signature-not-verified",
        ("JWT-SIGNATURE-VERIFIED",),
        "the resource decodes without verifying the signature",
    ),
    Fault(
        "alg-confusion-hs512",
        ("JWT-ALG-ALLOWLIST",),
        "the resource accepts HS384/HS512 tokens, checked with an empty key (its key table only holds the HS256 secret)",
    ),
    Fault(
        "jwk-header-trusted",
        ("JWT-HEADER-KEYS-IGNORED",),
        "the resource verifies with an embedded `jwk` header key",
    ),
    Fault("weak-signing-key", ("JWT-STRONG-KEY",), 'tokens are signed with the key "secret"'),
    Fault("jwt-no-exp", ("JWT-HAS-EXP",), "tokens carry no exp claim (and the resource accepts them)"),
    Fault("jwt-leaks-secret", ("JWT-NO-SECRETS",), "the client secret is put in the JWT payload"),
    Fault("jti-reused", ("JWT-JTI-UNIQUE",), "every token gets the same jti"),
    Fault(
        "refresh-token-is-jwt-accepted",
        ("JWT-TOKEN-TYPE-CONFUSION",),
        "refresh tokens are JWTs signed with the access-token key, accepted by the resource",
    ),
    # Faults only generated input reveals (fuzzing and property checks).
    Fault(
        "astral-char-500",
        ("FUZZ-TOKEN-NO-5XX",),
        "a token parameter with a character outside the BMP (an emoji) answers 500",
    ),
    Fault(
        "long-param-500", ("FUZZ-MALFORMED-REFUSED",), "a token parameter over 1024 characters answers 500"
    ),
    Fault(
        "scope-spacing-500",
        ("FUZZ-SCOPE-SPACING",),
        "a scope with a doubled, leading or trailing space answers 500",
    ),
    Fault(
        "state-markup-stripped",
        ("AC-STATE-ROUNDTRIP",),
        "<, >, \" and ' are removed from the state (an XSS filter)",
    ),
    Fault(
        "error-description-echoes-input",
        ("FUZZ-RESPONSE-CONFORMS",),
        "unsupported_grant_type's error_description quotes the grant_type sent, non-ASCII included",
    ),
    Fault(
        "grant-type-prefix-match",
        ("FUZZ-INVALID-NO-TOKEN",),
        "a grant_type that starts with a supported one (client_credentials_v2) is served as that one",
    ),
    Fault(
        "rotated-refresh-token-widens",
        ("FUZZ-LIFECYCLE",),
        "a rotated refresh token carries the client's registered scopes, not the grant's",
    ),
    Fault(
        "replay-spares-refreshed-family",
        ("FUZZ-LIFECYCLE-REVOCATION",),
        "a replayed code revokes nothing once its tokens were refreshed",
    ),
)

FAULTS: Mapping[str, Fault] = MappingProxyType({fault.name: fault for fault in _DECLARED})
"""Every fault, keyed by name (read-only)."""

assert len(FAULTS) == len(_DECLARED), "a fault is declared twice"


class FaultSet:
    """The faults (and variants, conformance.reference.variants) switched on in one server.

    ``on(name)`` is read at each enforcement site, for a fault or a variant alike.
    """

    def __init__(self, names: Iterable[str] = ()) -> None:
        from .variants import VARIANTS

        active = frozenset(names)
        unknown = active - FAULTS.keys() - VARIANTS.keys()
        if unknown:
            raise UnknownFault(unknown)
        self.active = active
        self._known = FAULTS.keys() | VARIANTS.keys()

    def on(self, name: str) -> bool:
        """Whether fault or variant ``name`` is switched on; an undeclared name raises :class:`UnknownFault`."""
        if name not in self._known:
            raise UnknownFault([name])
        return name in self.active

    def __repr__(self) -> str:
        return f"FaultSet({sorted(self.active)!r})"
