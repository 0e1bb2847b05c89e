"""Authorization server metadata (RFC 8414): when the server publishes it, it tells the truth about itself.

Probes only: each check fetches the document (or tries an endpoint it names) and hands the answers to its
judge (conformance/judges/metadata.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.catalogue import requirement
from conformance.config import Target, with_overrides
from conformance.findings import settle
from conformance.flows.authorize import authorization_url, new_state
from conformance.flows.token import client_credentials
from conformance.http import Response, Session
from conformance.judges import metadata as judge
from conformance.urls import same_origin
from conformance.verdict import describe

#: RFC 8414 §3 (and OpenID Connect Discovery's name for the same document).
WELL_KNOWN = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


def _well_known_url(target: Target, suffix: str) -> str:
    """RFC 8414 §3.1: the well-known string goes between the host and the issuer's path component."""
    base = target.base_url.rstrip("/")
    scheme, _, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    return (
        f"{scheme}://{host}{suffix}{slash}{path}"
        if suffix.endswith("authorization-server")
        else f"{base}{suffix}"
    )


@pytest.fixture(scope="module")
def metadata(http: Session, target: Target) -> tuple[dict[str, Any], Response]:
    """The published metadata document and the response that carried it; skipped when none is published."""
    answers = []
    for suffix in WELL_KNOWN:
        response = http.request("GET", _well_known_url(target, suffix))
        if response.status == 200 and isinstance(response.json, dict):
            return response.json, response
        answers.append(f"{suffix}: HTTP {response.status}")
    pytest.skip("the server publishes no RFC 8414 metadata (a MAY): " + "; ".join(answers))


@requirement("META-ISSUER-MATCHES")
def test_issuer_is_the_identifier_it_was_fetched_for(
    target: Target, metadata: tuple[dict[str, Any], Response]
) -> None:
    """RFC 8414 §3.3: "The "issuer" value returned MUST be identical to the authorization server's issuer
    identifier value into which the well-known URI string was inserted"."""
    document, response = metadata
    settle(judge.ensure_issuer_matches(document, target.base_url.rstrip("/"), response))


@requirement("META-ENDPOINTS-MATCH")
@pytest.mark.parametrize("member", ["token_endpoint", "authorization_endpoint"])
def test_named_endpoints_answer_as_those_endpoints(
    http: Session, target: Target, metadata: tuple[dict[str, Any], Response], member: str
) -> None:
    """RFC 8414 §2: "token_endpoint URL of the authorization server's token endpoint" (likewise the
    authorization endpoint): the URL the document names answers as that endpoint. It may differ from the
    configured path (an alias serves as well); a token request goes to it only on the target's own origin."""
    document, response = metadata
    named = document.get(member)
    if member not in document:
        pytest.skip(f"the metadata has no {member} (OPTIONAL when the grants need none)")
    if not isinstance(named, str) or not same_origin(named, target.base_url):
        pytest.skip(f"the metadata names {member} {describe(named)}, not on the target's origin: the suite sends "
                    "its credentials to the target's origin only, so it does not try it")  # fmt: skip
    path = urlsplit(named).path or "/"
    primary = target.client("primary")
    if member == "token_endpoint":
        if primary is None or not primary.can("client_credentials"):
            pytest.skip(
                "needs clients.primary with the client_credentials grant to try the named token endpoint"
            )
        answer = client_credentials(http, with_overrides(target, token_path=path), primary)
        settle(judge.ensure_named_token_endpoint_works(named, response, answer))
        return
    client = primary or next(iter(target.clients.values()))
    page = http.request(
        "GET", authorization_url(with_overrides(target, authorize_path=path), client, state=new_state())
    )
    settle(judge.ensure_named_authorization_endpoint_works(named, response, page))


@requirement("META-PKCE-S256-ADVERTISED")
def test_metadata_advertises_s256(metadata: tuple[dict[str, Any], Response]) -> None:
    """RFC 9700 §2.1.1: "It is RECOMMENDED ... to publish the element code_challenge_methods_supported"."""
    document, response = metadata
    settle(judge.ensure_s256_advertised(document, response))


@requirement("META-NO-DEPRECATED-GRANTS")
def test_metadata_advertises_no_deprecated_grant(metadata: tuple[dict[str, Any], Response]) -> None:
    """RFC 9700 §2.1.2 (implicit: response type "token") and §2.4 (password): not advertised."""
    document, response = metadata
    settle(judge.ensure_no_deprecated_grant_advertised(document, response))
