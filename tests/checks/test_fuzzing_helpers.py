"""The pure helpers of the fuzzing and property checks (conformance/generated/)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hypothesis import given

from conformance.config import Client, Target
from conformance.evidence import Exchange
from conformance.generated.budget import budget_for, derive_seed
from conformance.generated.schema import conformance_problems, load_schema, operations
from conformance.generated.sender import Sent, _sendable_header
from conformance.generated.strategies import (
    Mutation,
    mutated_request,
    mutations,
    scope_edge_spellings,
    scope_spellings,
    state_values,
)
from conformance.http import Response
from conformance.judges.generated import redirect_problems, ungrantable

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CALLBACK = "https://client.example.org/callback"
TARGET = Target(
    base_url="https://spry.example",
    clients={
        "primary": Client(
            "primary", "app", "s3cret-s3cret", ("read", "write"), ("authorization_code",), CALLBACK
        )
    },
)


def _sent(body: str, *, credentials: str = "primary", headers: dict[str, str] = FORM, **flags: Any) -> Sent:
    return Sent("requestToken", "valid", "POST", "https://spry.example/apis/v2/oauth/token", headers,
                     body.encode(), response=None, credentials=credentials, **flags)  # type: ignore[arg-type]  # fmt: skip


def _response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body).encode() if body is not None else b""
    exchange = Exchange("GET", "https://spry.example/", [], "", status)
    return Response(status, httpx.Headers(headers or {}), content, "https://spry.example/", exchange)


def test_seeds_are_derived_and_repeatable() -> None:
    assert derive_seed(42, "campaign") == derive_seed(42, "campaign")
    assert derive_seed(42, "campaign") != derive_seed(42, "lifecycle")
    assert derive_seed(42, "campaign") != derive_seed(43, "campaign")


def test_certification_goes_deeper_than_ci() -> None:
    ci, deep = budget_for("ci"), budget_for("certification")
    for name in ("examples", "scenarios", "property_examples", "lifecycle_examples", "lifecycle_steps"):
        assert getattr(deep, name) > getattr(ci, name), name
    assert ci.strangers <= 5  # a handful of unknown clients: servers throttle failed authentications


@pytest.mark.parametrize(
    ("body", "flags", "why"),
    [
        ("grant_type=client_credentials&scope=read", {}, None),
        ("grant_type=Client_Credentials+", {}, None),  # a lenient server may fold case and spaces
        ("grant_type=authorization_code&code=abc", {"real_code": True}, None),
        ("grant_type=refresh_token&refresh_token=abc", {"real_refresh_token": True}, None),
        ("grant_type=client_credentials&x=1&x=2", {}, None),  # an unrecognised parameter is ignored
        ("grant_type=client_credentials_v2", {}, "no grant type"),
        ("scope=read", {}, "no grant_type"),
        ("grant_type=&scope=read", {}, "no grant_type"),  # empty counts as omitted (RFC 6749 §3.1)
        ("grant_type=client_credentials&scope=read&scope=write", {}, "scope is repeated"),
        ("grant_type=authorization_code&code=abc", {}, "never issued"),
        ("grant_type=refresh_token", {}, "no refresh token"),
    ],
)
def test_ungrantable(body: str, flags: dict[str, bool], why: str | None) -> None:
    reason = ungrantable(_sent(body, **flags))
    assert (reason is None) if why is None else (why in (reason or "")), reason


def test_ungrantable_without_valid_client() -> None:
    assert (
        ungrantable(_sent("grant_type=client_credentials", credentials="stranger"))
        == "an unregistered client"
    )
    assert ungrantable(_sent("{}", headers={"Content-Type": "application/json"})) is None  # not judged


def _redirect(query: str, location: str, status: int = 302) -> Sent:
    response = SimpleNamespace(status=status, location=location)
    return Sent("authorize", "valid", "GET", f"https://spry.example/apis/v2/oauth/authorize?{query}", {}, b"",
                     response=response)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "location", "problem"),
    [
        ("client_id=app&state=xyz", f"{CALLBACK}?error=invalid_scope&state=xyz", None),
        (
            "client_id=app&state=%C3%A9",
            f"{CALLBACK}?error=invalid_request",
            None,
        ),  # a non-ASCII state may be lost
        ("client_id=app", "/apis/v2/oauth/login?session=1", None),  # within the server: a login page
        (
            "client_id=app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
            "https://evil.example/cb?error=x",
            "not registered",
        ),
        (
            "client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
            "https://evil.example/cb?error=x",
            "not registered",
        ),
        ("client_id=app&state=xyz", f"{CALLBACK}?code=abc&state=xyz", "without any login"),
        ("client_id=app&state=xyz", f"{CALLBACK}?error=oops&state=xyz", "not an RFC 6749"),
        ("client_id=app&state=xyz", f"{CALLBACK}?error=invalid_scope&state=xy", "exact state"),
        ("client_id=app", f"{CALLBACK}?foo=bar", "neither code nor error"),
    ],
)
def test_redirect_problems(query: str, location: str, problem: str | None) -> None:
    problems = redirect_problems(_redirect(query, location), TARGET)
    assert (not problems) if problem is None else any(problem in p for p in problems), problems


def test_form_is_read_only_from_form_bodies() -> None:
    assert _sent("a=1&b=&a=2").form == [("a", "1"), ("b", ""), ("a", "2")]
    assert _sent("a=1", headers={"Content-Type": "application/json"}).form is None


@pytest.mark.parametrize(
    ("name", "value", "sendable"),
    [("Authorization", "Bearer abc", True), ("X-Odd", "a\r\nb", False), ("X-Odd", "\u0394", False),
     ("Bad Name", "x", False), ("X-Latin", "caf\u00e9", True)],
)  # fmt: skip
def test_sendable_header(name: str, value: str, sendable: bool) -> None:
    assert _sendable_header(name, value) is sendable


@given(scope_spellings(("read", "write")))
def test_scope_spellings_use_only_the_registered_scopes(spelled: str) -> None:
    assert set(spelled.split()) <= {"read", "write"} and spelled.split()


def test_scope_edge_spellings_break_the_grammar() -> None:
    edges = scope_edge_spellings(("read", "write"))
    assert (
        "write read" in edges
        and "read  write" in edges
        and " read write" in edges
        and "read write read" in edges
    )


@given(mutations())
def test_mutations_replace_one_parameter(mutation: Mutation) -> None:
    client = TARGET.clients["primary"]
    pairs = dict(mutated_request(mutation, client))
    assert pairs[mutation.parameter] == mutation.value
    assert pairs["grant_type"] == (mutation.value if mutation.parameter == "grant_type" else mutation.grant)


@given(state_values())
def test_state_values_have_no_controls_or_surrogates(state: str) -> None:
    assert state and all(ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF and c != "\x7f" for c in state)


def test_conformance_problems_use_the_description() -> None:
    operation = operations(load_schema())["requestToken"]
    case = operation.Case(
        body={"grant_type": "client_credentials"}, media_type="application/x-www-form-urlencoded"
    )
    good = _sent("grant_type=client_credentials", case=case)
    good.response = _response(400, {"error": "invalid_scope"}, {"content-type": "application/json"})
    assert conformance_problems(good) == []
    bad = _sent("grant_type=client_credentials", case=case)
    bad.response = _response(400, {"error": "server_error", "error_description": "\u00e9"},
                             {"content-type": "application/json"})  # fmt: skip
    assert conformance_problems(bad)
    undocumented = _sent("grant_type=client_credentials", case=case)
    undocumented.response = _response(418, {"error": "invalid_request"}, {"content-type": "application/json"})
    assert any("418" in p for p in conformance_problems(undocumented))
