"""Judges of bearer token usage at the protected resource (RFC 6750) and of the Spry response envelope."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.findings import Evidence, Finding, judged
from conformance.flows.resource import Challenge, parse_challenge
from conformance.flows.token import TokenResponse
from conformance.judges.answers import Answered as Response
from conformance.judges.answers import is_success
from conformance.verdict import describe


def challenge_of(response: Response) -> Challenge | None:
    """RFC 6750 §3: the WWW-Authenticate challenge of a refusal, parsed."""
    return parse_challenge(response.headers.get("www-authenticate"))


#: (label, the resource's answer to one access token of a grant)
Answers = Sequence[tuple[str, Response]]


def challenge_text(response: Response) -> str:
    header = response.headers.get("www-authenticate")
    return f"WWW-Authenticate {describe(header)}" if header else "no WWW-Authenticate"


def is_bearer(challenge: Challenge | None) -> bool:
    return challenge is not None and challenge.scheme.lower() == "bearer"


def has_bearer_challenge(response: Response) -> bool:
    return is_bearer(challenge_of(response))


def bearer_error(response: Response) -> str | None:
    """The error attribute of a Bearer challenge, if the response has one."""
    challenge = challenge_of(response)
    return challenge.error if challenge is not None and is_bearer(challenge) else None


def ensure_header_token_served(access: TokenResponse, response: Response, read_path: str) -> Finding:
    """RFC 6750 §2.1: "Resource servers MUST support this method" (Authorization: Bearer <token>)."""
    return judged(is_success(response), f"{read_path} serves a fresh token sent as Authorization: Bearer (2xx)",
                  access, response, observed=f"HTTP {response.status}, {challenge_text(response)}")  # fmt: skip


def ensure_bearer_challenge(response: Response) -> Finding:
    """RFC 6750 §3: the resource server "MUST include the HTTP "WWW-Authenticate" response header field" and
    "All challenges defined by this specification MUST use the auth-scheme value "Bearer""; 401 per RFC 9110
    §15.5.2."""
    return judged(response.status == 401 and is_bearer(challenge_of(response)),
                  "HTTP 401 with WWW-Authenticate: Bearer ...", response,
                  observed=f"HTTP {response.status}, {challenge_text(response)}")  # fmt: skip


def ensure_challenge_without_error(response: Response) -> Finding:
    """RFC 6750 §3.1: "If the request lacks any authentication information ... the resource server SHOULD NOT
    include an error code or other error information". Judged on a Bearer challenge only."""
    challenge = challenge_of(response)
    has_error = challenge is not None and "error" in challenge.params
    return judged(not has_error, "a Bearer challenge without an error attribute", response,
                  observed=f"{challenge_text(response)}")  # fmt: skip


def ensure_invalid_token_refused(response: Response, sent: str) -> Finding:
    """RFC 6749 §7: "The resource server MUST validate the access token"; RFC 6750 §3: a request whose token
    does not enable access MUST get a WWW-Authenticate challenge."""
    refused = 400 <= response.status < 500 and is_bearer(challenge_of(response))
    return judged(refused, f"{sent} is refused: a 4xx with a Bearer challenge, not the data", response,
                  observed=f"HTTP {response.status}, {challenge_text(response)}")  # fmt: skip


def ensure_invalid_token_error(response: Response, sent: str) -> Finding:
    """RFC 6750 §3.1: invalid_token - "The access token provided is expired, revoked, malformed, or invalid for
    other reasons. The resource SHOULD respond with the HTTP 401 (Unauthorized) status code"."""
    return judged(response.status == 401 and bearer_error(response) == "invalid_token",
                  f'{sent}: HTTP 401 with WWW-Authenticate: Bearer error="invalid_token"', response,
                  observed=f"HTTP {response.status}, {challenge_text(response)}")  # fmt: skip


def ensure_scheme_served(response: Response, scheme: str) -> Finding:
    """RFC 9110 §11.1: HTTP authentication "uses a case-insensitive token to identify the authentication
    scheme"."""
    return judged(is_success(response), f'the token sent as "Authorization: {scheme} <token>" is served like '
                  '"Bearer" (2xx)', response,
                  observed=f"HTTP {response.status}, {challenge_text(response)}")  # fmt: skip


def ensure_query_token_refused(response: Response) -> Finding:
    """RFC 6750 §2.3: the URI query method "SHOULD NOT be used"; RFC 9700 §4.3.2: "Clients MUST NOT pass access
    tokens in a URI query parameter"; the Spry guide documents the header only."""
    return judged(not is_success(response), "a valid token sent only as ?access_token= is not served", response,
                  observed=f"HTTP {response.status}: the query token was accepted")  # fmt: skip


def form_token_refused(probe: Response) -> bool:
    """The valid form token did not get past authentication: 401, or a 4xx with a Bearer challenge."""
    return probe.status == 401 or (400 <= probe.status < 500 and is_bearer(challenge_of(probe)))


def form_inconclusive(probe: Response, baseline: Response) -> bool:
    """A valid and an invalid form token answered alike, with no success: the POST fails before authentication."""
    return not is_success(probe) and baseline.status == probe.status


def ensure_form_token_refused(probe: Response, baseline: Response | None) -> Finding:
    """Spry guide, Using Access Tokens: the token goes in the Authorization header; RFC 6750 §2.2 lets a server
    support (MAY) the form-encoded body method. `baseline` is the same POST with an invalid token, sent when
    the valid one was not plainly refused."""
    wanted = "a valid token sent only in a form body does not get past authentication (401, as without it)"
    if form_token_refused(probe) or baseline is None:
        return judged(
            form_token_refused(probe), wanted, probe, observed=f"valid form token: HTTP {probe.status}"
        )
    return judged(False, wanted, probe, baseline, observed=f"valid form token: HTTP {probe.status}; invalid "
                  f"form token: HTTP {baseline.status}, {challenge_text(baseline)}")  # fmt: skip


def error_of(response: Response) -> str | None:
    """The error code of a refusal: the challenge's error attribute, else a JSON body's `error` member."""
    challenge = challenge_of(response)
    if challenge is not None and challenge.error:
        return challenge.error
    body = response.json
    return body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), str) else None


def ensure_one_method(response: Response, second: str) -> Finding:
    """RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token in each request"; §3.1:
    invalid_request - "The resource server SHOULD respond with the HTTP 400 (Bad Request) status code"."""
    error = error_of(response)
    return judged(response.status == 400 and error == "invalid_request",
                  f"the token in the header and in the {second} together: HTTP 400 with error invalid_request",
                  response, observed=f"HTTP {response.status}, error {describe(error)}, {challenge_text(response)}")  # fmt: skip


def scope_refusal_to_inspect(response: Response) -> bool:
    """Whether the write endpoint refused the read-only token (anything else is SCOPE-READ-ONLY-CANNOT-WRITE's)."""
    return not (response.status in {400, 404, 405, 422} or is_success(response))


def ensure_insufficient_scope(token: TokenResponse, response: Response, write: str) -> Finding:
    """RFC 6750 §3.1: insufficient_scope - "The resource server SHOULD respond with the HTTP 403 (Forbidden)
    status code and MAY include the "scope" attribute"; in a Bearer challenge (§3)."""
    return judged(response.status == 403 and bearer_error(response) == "insufficient_scope",
                  f'{write} with a read-only token: HTTP 403 with WWW-Authenticate: Bearer error="insufficient_scope"',
                  token, response, observed=f"HTTP {response.status}, {challenge_text(response)}")  # fmt: skip


def still_served(answers: Answers) -> list[tuple[str, Response]]:
    return [(label, r) for label, r in answers if is_success(r)]


def grant_revoked(probe: TokenResponse) -> bool:
    """The grant's refresh token is refused with invalid_grant: the authorization server revoked the grant."""
    return probe.status in {400, 401} and probe.error == "invalid_grant"


def _refused_as_invalid(response: Response) -> bool:
    return response.status == 401 and bearer_error(response) == "invalid_token"


def ensure_revoked_tokens_refused(
    answers: Answers, how: str, evidence: Sequence[Evidence], probe: TokenResponse | None
) -> Finding:
    """RFC 6750 §3.1: invalid_token when the token is "expired, revoked, malformed, or invalid". `answers` are
    the resource's answers to the access tokens of a grant just revoked (by a replay); `probe`, the grant's
    refresh token refused with invalid_grant, shows the revocation when an access token is still served."""
    served = still_served(answers)
    if served:
        return judged(False, "the access token of a revoked grant is refused (401 invalid_token)",
                      *evidence, *(r for _, r in served), *([probe] if probe else []),
                      observed=f"after {how}: {', '.join(f'{label} still served (HTTP {r.status})' for label, r in served)}, "
                      "while the grant's refresh token is refused with invalid_grant")  # fmt: skip
    wrong = [(label, r) for label, r in answers if not _refused_as_invalid(r)]
    return judged(not wrong, 'the access tokens of the revoked grant are refused with 401 and error="invalid_token"',
                  *(r for _, r in wrong),
                  observed="; ".join(f"{label}: HTTP {r.status}, {challenge_text(r)}" for label, r in wrong))  # fmt: skip


def ensure_spry_envelope(response: Response) -> Finding:
    """Spry API response format: {"code": 2000, "data": ..., "message": "Success"} on success."""
    body = response.json
    problems = []
    if not isinstance(body, dict):
        problems.append("the body is not a JSON object")
    else:
        code = body.get("code")
        if not (isinstance(code, int) and not isinstance(code, bool) and code == 2000):
            problems.append(f"code is {describe(body.get('code', '(absent)'))}")
        if "data" not in body:
            problems.append("no data member")
        if body.get("message") != "Success":
            problems.append(f"message is {describe(body.get('message', '(absent)'))}")
    return judged(not problems, '{"code": 2000, "data": ..., "message": "Success"}', response,
                  observed="; ".join(problems) + (f" (members: {sorted(body)[:8]})" if isinstance(body, dict) else ""))  # fmt: skip
