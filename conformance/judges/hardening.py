"""Judges of hardening: deprecated grants refused, TLS required, HSTS, CORS, brute-force throttling.

Pure: each reads recorded answers (headers through the readers of flows.browser, which read one header
each as browsers do) and returns a `Finding`.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

from conformance.findings import Evidence, Finding, judged
from conformance.flows.browser import cors_exposure, header_values, hsts_max_age
from conformance.flows.token import TokenResponse
from conformance.judges.answers import Answered


def redirect_access_token(location: str) -> str | None:
    """The access_token a redirect back carries, in its fragment or its query."""
    parts = urlsplit(location)
    params = dict(parse_qsl(parts.fragment, keep_blank_values=True)) | dict(
        parse_qsl(parts.query, keep_blank_values=True)
    )
    return params.get("access_token")


def ensure_no_token_from_authorization_endpoint(location: str, evidence: Evidence) -> Finding:
    """RFC 9700 §2.1.2: "clients SHOULD NOT use the implicit grant (response type "token")"; ASVS 10.4.4: the
    authorization server does not allow it. The redirect back after response_type=token carries no access token."""
    token = redirect_access_token(location)
    where = "fragment" if "access_token" in dict(parse_qsl(urlsplit(location).fragment)) else "query"
    return judged(not token, "no access token from the authorization endpoint (response_type=token refused)",
                  evidence, observed=f"the redirect back carries an access_token ({len(token or '')} characters) "
                  f"in its {where}")  # fmt: skip


def ensure_password_grant_refused(answer: TokenResponse) -> Finding:
    """RFC 9700 §2.4: "The resource owner password credentials grant [RFC6749] MUST NOT be used."""
    return judged(not answer.ok, "no access token for grant_type=password", answer,
                  observed=f"HTTP {answer.status} with an access_token for the user's password")  # fmt: skip


def ensure_not_served_over_plain_http(endpoint: str, url: str, served: bool, how: str,
                                      *evidence: Evidence) -> Finding:  # fmt: skip
    """RFC 6749 §3.1/§3.2: "The authorization server MUST require the use of TLS" for the authorization and token
    endpoints; RFC 6750 §5.3: bearer requests "MUST always use TLS". `served` and `how` say whether the plain-HTTP
    answer was the endpoint's own (flows.browser.served_over_plain_http reads that)."""
    return judged(not served, f"the {endpoint} endpoint not served over plain HTTP ({url.split('?')[0]})",
                  *evidence, observed=how)  # fmt: skip


def ensure_hsts(page: Answered) -> Finding:
    """RFC 9325 §3.2: "Web servers SHOULD use HSTS to indicate that they are willing to accept TLS-only clients";
    RFC 6797 §8.1: a policy received over plain HTTP takes no effect."""
    if urlsplit(page.url).scheme != "https":
        return judged(False, "the login page served over https with Strict-Transport-Security", page,
                      observed="the page is served over plain HTTP: no HSTS policy can take effect (RFC 6797 §8.1)")  # fmt: skip
    max_age = hsts_max_age(page.headers)
    values = header_values(page.headers, "strict-transport-security")
    return judged(max_age is not None and max_age > 0, "Strict-Transport-Security with a max-age above 0", page,
                  observed=f"Strict-Transport-Security: {values[0]}" if values else "no Strict-Transport-Security")  # fmt: skip


def ensure_no_credentialed_cors(origin: str, preflight: Answered, request: Answered) -> Finding:
    """ASVS 5.0 3.4.2: Access-Control-Allow-Origin is fixed or checked against an allowlist. Never the sent Origin
    together with Access-Control-Allow-Credentials: true (RFC 9700 §2.6 only allows CORS at the token endpoint)."""
    problems = [f"{kind}: {why}" for kind, answer in (("preflight", preflight), ("token request", request))
                if (why := cors_exposure(answer.headers, origin))]  # fmt: skip
    return judged(not problems, f"no credentialed CORS access for the Origin {origin}", preflight, request,
                  observed="; ".join(problems))  # fmt: skip


def ensure_no_cors_at_authorization_endpoint(preflight: Answered, request: Answered) -> Finding:
    """RFC 9700 §2.6: "CORS MUST NOT be supported at the authorization endpoint"."""
    problems = [f"{kind}: Access-Control-Allow-Origin: {', '.join(values)}"
                for kind, answer in (("preflight", preflight), ("authorization request", request))
                if (values := header_values(answer.headers, "access-control-allow-origin"))]  # fmt: skip
    return judged(not problems, "no Access-Control-Allow-Origin on the authorization endpoint's answers",
                  preflight, request, observed="; ".join(problems))  # fmt: skip


def ensure_throttled(signal: str | None, attempts: int, unknown: Sequence[Answered], known: Sequence[Answered],
                     client_name: str) -> Finding:  # fmt: skip
    """RFC 6749 §2.3.1: "the authorization server MUST protect any endpoint utilizing it against brute force
    attacks" (RFC 6819 §4.3.5: lock out). `signal` is the throttling the registered client's failures met, if any;
    `unknown` and `known` are the answers to the failed authentications of each client_id."""
    return judged(signal, f"throttling (429, Retry-After or slow_down) within {attempts} failed authentications",
                  unknown[-1], known[-1],
                  observed=f"{len(unknown)} failures for an unknown client_id and {len(known)} for the registered "
                           f"client {client_name} all answered HTTP {known[-1].status}")  # fmt: skip
