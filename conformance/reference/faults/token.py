"""Faults of the token endpoint: its response (RFC 6749 §5.1 and the Spry fields), its requests
(§3.2, §4.4, §5.2) and its errors (§5.2)."""

from __future__ import annotations

from .fault import Fault

DECLARED = (
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
        "stolen-code-unauthorized-client",
        ("TOKEN-ERROR-CODE",),
        "another client's code is refused with unauthorized_client instead of invalid_grant (the secondary client "
        "itself works: the suite must not blame its configuration)",
    ),
)
