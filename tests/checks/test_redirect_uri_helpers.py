"""The redirect URI look-alike grammar (conformance.flows.redirect_lookalikes)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from conformance.flows.redirect_lookalikes import (
    ATTACKER_HOST,
    GRAMMAR,
    is_registered_uri,
    lookalikes,
    without_query,
)
from conformance.urls import origin

REGISTERED = "https://client.example.org/callback"


def by_name(registered: str = REGISTERED) -> dict[str, tuple[str, ...]]:
    return {variant.name: variant.values for variant in lookalikes(registered)}


def test_every_operator_applies_to_a_typical_web_redirect_uri() -> None:
    variants = lookalikes(REGISTERED)
    assert [v.name for v in variants] == [operator.name for operator in GRAMMAR]
    assert 15 <= len(variants) <= 25, "a bounded, polite number of requests"
    assert all(v.attack for v in variants)


def test_no_lookalike_is_the_registered_uri_and_none_repeats() -> None:
    variants = lookalikes(REGISTERED)
    assert all(v.values != (REGISTERED,) for v in variants)
    assert len({v.values for v in variants}) == len(variants)


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("scheme.swap", ("http://client.example.org/callback",)),
        ("userinfo.registered-host", (f"https://client.example.org@{ATTACKER_HOST}/callback",)),
        ("host.other", (f"https://{ATTACKER_HOST}/callback",)),
        ("host.subdomain", ("https://evil.client.example.org/callback",)),
        ("host.suffix", (f"https://client.example.org.{ATTACKER_HOST}/callback",)),
        ("host.case", ("https://CLIENT.EXAMPLE.ORG/callback",)),
        ("port.other", ("https://client.example.org:8443/callback",)),
        ("path.longer", ("https://client.example.org/callback/evil",)),
        ("path.suffix", ("https://client.example.org/callbackevil",)),
        ("path.traversal", ("https://client.example.org/callback/../evil",)),
        ("path.traversal-encoded", ("https://client.example.org/callback/%2e%2e/evil",)),
        ("path.traversal-double-encoded", ("https://client.example.org/callback/%252e%252e/evil",)),
        ("path.encoded-letter", ("https://client.example.org/%63allback",)),
        ("path.double-encoded-letter", ("https://client.example.org/%2563allback",)),
        ("path.case", ("https://client.example.org/CALLBACK",)),
        ("path.trailing-slash", ("https://client.example.org/callback/",)),
        ("query.added", (f"https://client.example.org/callback?next=https://{ATTACKER_HOST}/",)),
        ("fragment.added", (f"https://client.example.org/callback#@{ATTACKER_HOST}",)),
        ("parameter.repeated-attacker-last", (REGISTERED, f"https://{ATTACKER_HOST}/callback")),
        ("parameter.repeated-attacker-first", (f"https://{ATTACKER_HOST}/callback", REGISTERED)),
    ],
)
def test_each_operator_mutates_one_component(name: str, values: tuple[str, ...]) -> None:
    assert by_name()[name] == values


def test_userinfo_variant_really_points_at_the_attacker() -> None:
    (value,) = by_name()["userinfo.registered-host"]
    assert urlsplit(value).hostname == ATTACKER_HOST


def test_port_and_query_of_the_registered_uri_are_kept() -> None:
    variants = by_name("https://client.example.org:8080/cb?tenant=7")
    assert variants["host.other"] == (f"https://{ATTACKER_HOST}:8080/cb?tenant=7",)
    assert variants["query.added"] == (
        f"https://client.example.org:8080/cb?tenant=7&next=https://{ATTACKER_HOST}/",
    )
    assert variants["port.other"] == ("https://client.example.org:8443/cb?tenant=7",)


def test_loopback_redirect_uris_keep_their_port_free() -> None:
    """RFC 8252 §7.3 / RFC 9700 §2.1: the port of a loopback redirect URI may vary, so it is no look-alike."""
    variants = by_name("http://127.0.0.1:8765/cb")
    assert "port.other" not in variants
    assert "host.subdomain" not in variants and "host.case" not in variants  # an IP address has neither
    assert variants["scheme.swap"] == ("https://127.0.0.1:8765/cb",)


def test_a_trailing_slash_is_taken_off_when_registered() -> None:
    assert by_name("https://client.example.org/cb/")["path.trailing-slash"] == (
        "https://client.example.org/cb",
    )


def test_redirect_to_the_registered_uri_with_response_parameters_is_not_a_diversion() -> None:
    assert is_registered_uri(f"{REGISTERED}?code=abc&state=xyz", REGISTERED)
    assert is_registered_uri(f"{REGISTERED}?error=invalid_request&state=xyz#_", REGISTERED)
    assert is_registered_uri(
        "https://client.example.org/cb?tenant=7&code=x", "https://client.example.org/cb?tenant=7"
    )


@pytest.mark.parametrize(
    "location",
    [
        f"{REGISTERED}/evil?code=abc",
        f"{REGISTERED}?next=https://{ATTACKER_HOST}/&code=abc",
        f"{REGISTERED}?code=abc#@{ATTACKER_HOST}",
        "https://CLIENT.EXAMPLE.ORG/callback?code=abc",
        f"https://client.example.org@{ATTACKER_HOST}/callback?code=abc",
        "http://client.example.org/callback?code=abc",
    ],
)
def test_redirect_to_a_lookalike_is_a_diversion(location: str) -> None:
    assert not is_registered_uri(location, REGISTERED)


def test_origin_and_masked_location() -> None:
    assert origin(f"https://client.example.org@{ATTACKER_HOST}/x") == ("https", ATTACKER_HOST, 443)
    assert origin("com.example.app:/cb") is None
    assert without_query(f"{REGISTERED}?code=secret#frag") == f"{REGISTERED}?…#frag"


def test_a_code_after_a_fragment_is_recognised() -> None:
    from conformance.flows.redirect_lookalikes import Lookalike
    from conformance.flows.redirect_probe import Probe

    probe = Probe(Lookalike("fragment.at", ("x",), "attack"), REGISTERED, first=None, last=None,  # type: ignore[arg-type]
                  location=f"{REGISTERED}#@{ATTACKER_HOST}?code=c0de")  # fmt: skip
    assert probe.carried == "a code (outside the query)"
