"""Judges of generated requests: what no server may answer to a token request or an authorization request.

Pure: each reads one generated exchange (`generated.sender.Sent`) and says what rule it broke; the
`ensure_` judges turn a campaign's or a property's first counterexample into the check's `Finding`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from urllib.parse import parse_qsl, urljoin, urlsplit

from conformance.config import Target
from conformance.findings import Finding, judged
from conformance.flows.leaks import echoes
from conformance.flows.responses import directives
from conformance.generated.found import Breach, Found
from conformance.generated.schema import AUTHORIZE_OPERATION, TOKEN_OPERATIONS, conformance_problems
from conformance.generated.sender import Sent
from conformance.judges.answers import Answered
from conformance.rfc6749 import AUTHORIZATION_ERRORS, GRANT_TYPES, TOKEN_PARAMETERS, is_vschar
from conformance.urls import reaches


def form_values(pairs: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of a form that count: RFC 6749 §3.1 treats an empty value as omitted."""
    return ((name, value) for name, value in pairs if value)


def ungrantable(sent: Sent) -> str | None:
    """Why no server may answer this token request with a token (None when it might be valid)."""
    form = sent.form
    if form is None:
        return None  # not form-encoded: TOKEN-FORM-ENCODED-ONLY judges that (a SHOULD)
    if sent.credentials in {"stranger", "anonymous", "none"}:
        return {"stranger": "an unregistered client", "anonymous": "no client authentication",
                "none": "no client authentication"}[sent.credentials]  # fmt: skip
    pairs = list(form_values(form))  # RFC 6749 §3.1: an empty parameter counts as omitted
    repeated = sorted(n for n, c in Counter(n for n, _ in pairs).items() if c > 1 and n in TOKEN_PARAMETERS)
    if repeated:
        return f"{repeated[0]} is repeated (RFC 6749 §3.2: parameters MUST NOT be included more than once)"
    values = dict(pairs)
    grant = values.get("grant_type")
    if grant is None:
        return "no grant_type"
    grant = grant.strip().lower()  # a lenient server may fold case and spaces: not judged here
    if grant not in GRANT_TYPES:
        return f"grant_type {values['grant_type'][:60]!r}, which is no grant type"
    if grant == "authorization_code" and not sent.real_code:
        return "a code the server never issued" if "code" in values else "no code"
    if grant == "refresh_token" and not sent.real_refresh_token:
        return "a refresh token the server never issued" if "refresh_token" in values else "no refresh token"
    return None


def redirect_problems(sent: Sent, target: Target) -> list[str]:
    """An authorization redirect, validated (never followed): where it goes and what it carries."""
    location = sent.response.location
    if not 300 <= sent.response.status < 400 or not location:
        return []
    absolute = urljoin(sent.url, location)
    asked = dict(sent.query)
    client_id, sent_uri = asked.get("client_id"), asked.get("redirect_uri")
    registered = [
        c.redirect_uri for c in target.clients.values() if c.client_id == client_id and c.redirect_uri
    ]
    if sent_uri and sent_uri not in registered and reaches(absolute, sent_uri):
        return ["redirected to a redirect_uri that is not registered for the client (RFC 6749 §4.1.2.1: "
                "MUST NOT automatically redirect the user-agent to the invalid redirection URI)"]  # fmt: skip
    if not any(reaches(absolute, uri) for uri in registered):
        return []  # within the server (a login page), or to a place this rule cannot judge
    params = dict(parse_qsl(urlsplit(absolute).query, keep_blank_values=True))
    params.update(parse_qsl(urlsplit(absolute).fragment, keep_blank_values=True))
    if "code" in params or "access_token" in params:
        return ["a code (or token) without any login (RFC 6749 §3.1: the authorization server MUST first "
                "verify the identity of the resource owner)"]  # fmt: skip
    problems = []
    error = params.get("error")
    if error is None:
        problems.append("a redirect to the client with neither code nor error (RFC 6749 §4.1.2.1)")
    elif error not in AUTHORIZATION_ERRORS:
        problems.append(f"error {error!r} is not an RFC 6749 §4.1.2.1 error code")
    state = asked.get("state")
    if state and is_vschar(state) and params.get("state") != state:
        problems.append("the error redirect does not carry the exact state (RFC 6749 §4.1.2.1)")
    return problems


# --- the campaign's rules: each says what is wrong with one generated exchange, or None ---------------


def is_token_request(sent: Sent) -> bool:
    """The exchange went to one of the token endpoint's operations."""
    return sent.operation in TOKEN_OPERATIONS


def server_error(sent: Sent) -> str | None:
    """RFC 6749 §5.2: an invalid token request is answered with HTTP 400 (401 for invalid_client); no 5xx."""
    status = sent.response.status
    return f"HTTP {status} to a token request" if status >= 500 else None


def token_for_invalid_request(sent: Sent) -> str | None:
    """RFC 6749 §5.2: a request no server may grant (`ungrantable`) is refused with an error, never a token."""
    why = ungrantable(sent)
    body = sent.response.json
    issued = isinstance(body, dict) and ("access_token" in body or "refresh_token" in body)
    if why and (issued or 200 <= sent.response.status < 300):
        return f"{why}, yet HTTP {sent.response.status}" + (" with a token" if issued else "")
    return None


def token_cached(sent: Sent) -> str | None:
    """RFC 6749 §5.1: "Cache-Control" with "no-store" "in any response containing tokens"."""
    body = sent.response.json
    if not isinstance(body, dict) or not ({"access_token", "refresh_token"} & set(body)):
        return None
    cache_control = sent.response.headers.get("cache-control")
    if "no-store" in directives(cache_control):
        return None
    return (
        f"a token response with Cache-Control {cache_control!r}"
        if cache_control
        else "a token response without Cache-Control"
    )


def echoed_secret(sent: Sent) -> str | None:
    """ASVS 16.5.1, RFC 6749 §10.3: an error response repeats no client secret, code or token the request carried."""
    if sent.response.status < 400:
        return None
    for what, value in sent.secrets:
        places = echoes(sent.response, value)
        if places:
            return f"the submitted {what} is repeated in the error response ({', '.join(places)})"
    return None


def nonconformance(sent: Sent, target: Target) -> str | None:
    """specs/spry-auth.openapi.yaml and RFC 6749 §4.1.2.1: a described status, the required headers, a body of
    the described shape; an authorization redirect only where it may go. A token 5xx is FUZZ-TOKEN-NO-5XX's."""
    if is_token_request(sent) and sent.response.status >= 500:
        return None  # FUZZ-TOKEN-NO-5XX reports it
    problems = conformance_problems(sent)
    if sent.operation == AUTHORIZE_OPERATION:
        problems += redirect_problems(sent, target)
    return "; ".join(problems) or None


def ensure_login_never_answers_5xx(crashed: Sequence[tuple[str, Answered | None]]) -> Finding:
    """RFC 9110 §15.6: a 5xx says the server erred. `crashed` is (how the username was odd, the 5xx answer) for
    each odd username the login form answered with a 5xx."""
    return judged(not crashed, "no 5xx from the login form for any username",
                  *(answer for _, answer in crashed if answer is not None),
                  observed="; ".join(f"a username {label}: HTTP {answer.status if answer is not None else '?'}"
                                     for label, answer in crashed))  # fmt: skip


def ensure_no_counterexample(found: Found | None, wanted: str, replay: str) -> Finding:
    """A property held when no generated input broke it. When one did, the finding shows the input, the steps
    that led to it, the request to repeat (as curl, masked) and `replay`, the command that replays the run."""
    if found is None:
        return judged(True, wanted)
    steps = "".join(f"\n  {i}. {step}" for i, step in enumerate(found.steps, 1))
    again = found.reproduce or (found.evidence[-1] if found.evidence else None)
    curl = f"\nreproduce: {again.as_curl()}" if again is not None else ""
    return judged(False, wanted, *found.evidence,
                  observed=f"{found.problem}; input: {found.example}" + (f"\nsteps:{steps}" if steps else "")
                           + f"{curl}\n{replay}")  # fmt: skip


def ensure_no_breach(breach: Breach | None, wanted: str, replay: str) -> Finding:
    """A campaign rule held when no generated request broke it. When one did, the finding shows the request
    (described and as curl, masked) and `replay`, the command that replays the run."""
    if breach is None:
        return judged(True, wanted)
    sent = breach.sent
    return judged(False, wanted, sent,
                  observed=f"{breach.problem}; request: {sent.describe()}\nreproduce: {sent.curl()}\n{replay}")  # fmt: skip
