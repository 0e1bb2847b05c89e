"""The vocabulary of RFC 6749 (and the RFCs beside it): one place for its terms.

Checks, flows and generated inputs name these instead of spelling the strings again, so a
reader finds each term once, with the section that defines it.
"""

from __future__ import annotations

#: §4: the grant types a Spry token endpoint serves (§4.1 code, §4.4 client credentials, §6 refresh).
GRANT_TYPES = ("client_credentials", "authorization_code", "refresh_token")

#: §5.2: the error codes a token endpoint may answer with.
TOKEN_ERRORS = frozenset(
    {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
     "invalid_scope"}
)  # fmt: skip

#: §4.1.2.1: the error codes an authorization error response may carry.
AUTHORIZATION_ERRORS = frozenset(
    {"invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope",
     "server_error", "temporarily_unavailable"}
)  # fmt: skip

#: Token request parameters RFC 6749 (§4.1.3, §4.3.2, §4.4.2, §6, §2.3.1) and RFC 7636 (§4.5) define.
TOKEN_PARAMETERS = frozenset(
    {"grant_type", "scope", "client_id", "client_secret", "code", "redirect_uri", "code_verifier",
     "refresh_token", "username", "password"}
)  # fmt: skip

#: What an authorization server adds to the redirect URI's query (§4.1.2, §4.1.2.1; RFC 9207 `iss`).
RESPONSE_PARAMETERS = frozenset(
    {"code", "state", "error", "error_description", "error_uri", "iss", "session_state"}
)

#: Appendix A.5 (state), A.4 (scope-token's NQCHAR is VSCHAR without '"' and '\\'): VSCHAR = %x20-7E.
VSCHAR = frozenset(map(chr, range(0x20, 0x7F)))


def is_vschar(text: str) -> bool:
    """Whether every character of `text` is a VSCHAR (Appendix A: printable ASCII, space included)."""
    return set(text) <= VSCHAR
