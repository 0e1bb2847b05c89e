"""Authorization server metadata (RFC 8414): when the server publishes it, it tells the truth about itself."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.catalogue import requirement
from conformance.config import Target
from conformance.http import Response, Session
from conformance.urls import same_origin
from conformance.verdict import describe, expect

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
    expect(document.get("issuer") == target.base_url.rstrip("/"), f"issuer {target.base_url.rstrip('/')!r}",
           response, observed=f"issuer {describe(document.get('issuer'))}")  # fmt: skip


@requirement("META-ENDPOINTS-MATCH")
@pytest.mark.parametrize("member", ["token_endpoint", "authorization_endpoint"])
def test_metadata_names_the_configured_endpoints(
    target: Target, metadata: tuple[dict[str, Any], Response], member: str
) -> None:
    """RFC 8414 §2: the endpoints the document names are the server's own; here, the configured ones."""
    document, response = metadata
    path = target.token_path if member == "token_endpoint" else target.authorize_path
    if member not in document:
        pytest.skip(f"the metadata has no {member} (OPTIONAL when the grants need none)")
    named = document.get(member)
    wanted = target.url(path)
    same = (
        isinstance(named, str) and same_origin(named, wanted) and named.rstrip("/").endswith(path.rstrip("/"))
    )
    expect(same, f"{member} {wanted!r} (target.{'token_path' if member == 'token_endpoint' else 'authorize_path'})",
           response, observed=f"{member} {describe(named)}")  # fmt: skip


@requirement("META-PKCE-S256-ADVERTISED")
def test_metadata_advertises_s256(metadata: tuple[dict[str, Any], Response]) -> None:
    """RFC 9700 §2.1.1: "It is RECOMMENDED ... to publish the element code_challenge_methods_supported"."""
    document, response = metadata
    methods = document.get("code_challenge_methods_supported")
    expect(isinstance(methods, list) and "S256" in methods, 'code_challenge_methods_supported with "S256"',
           response, observed=f"code_challenge_methods_supported {describe(methods)}")  # fmt: skip


@requirement("META-NO-DEPRECATED-GRANTS")
def test_metadata_advertises_no_deprecated_grant(metadata: tuple[dict[str, Any], Response]) -> None:
    """RFC 9700 §2.1.2 (implicit: response type "token") and §2.4 (password): not advertised."""
    document, response = metadata
    advertised = []
    if "token" in (document.get("response_types_supported") or []):
        advertised.append('response type "token" (the implicit grant)')
    if "password" in (document.get("grant_types_supported") or []):
        advertised.append('grant type "password"')
    expect(not advertised, "neither the implicit grant nor the password grant advertised", response,
           observed="advertised: " + ", ".join(advertised))  # fmt: skip
