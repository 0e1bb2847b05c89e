"""The pure helpers of the token endpoint, client authentication and scope checks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from conformance.flows.responses import (
    directives,
    error_body_problems,
    granted_scopes,
    unknown_client,
    unknown_scope,
)
from conformance.flows.scope_probe import classify_write


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("no-store", {"no-store"}),
        ("No-Store, max-age=0", {"no-store", "max-age"}),
        ("private,no-cache", {"private", "no-cache"}),
        (None, set()),
        ("", set()),
    ],
)
def test_directives(value: str | None, expected: set[str]) -> None:
    assert directives(value) == expected


def test_directives_do_not_match_inside_other_directives() -> None:
    assert "no-store" not in directives("x-no-store-hint=1")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_request"}),
        (400, {"error": "unsupported_grant_type", "error_description": "the grant type is not supported"}),
        (401, {"error": "invalid_client", "error_uri": "https://docs.example.org/errors#invalid_client"}),
        (400, {"error": "invalid_client"}),
    ],
)
def test_error_body_conforming(status: int, body: dict[str, Any]) -> None:
    assert error_body_problems(status, body) == []


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (400, {"message": "bad request"}, "no `error` member"),
        (400, ["invalid_request"], "not a JSON object"),
        (400, None, "not a JSON object"),
        (400, {"error": "access_denied"}, "not one of the §5.2 codes"),
        (400, {"error": 400}, "not a string"),
        (401, {"error": "invalid_request"}, "HTTP 401"),
        (500, {"error": "invalid_client"}, "HTTP 500"),
        (400, {"error": "invalid_request", "error_description": 'quote " inside'}, "error_description"),
        (400, {"error": "invalid_request", "error_description": "naïve"}, "error_description"),
        (400, {"error": "invalid_request", "error_description": ["a"]}, "error_description"),
        (400, {"error": "invalid_request", "error_uri": "not a uri"}, "error_uri"),
    ],
)
def test_error_body_problems(status: int, body: Any, problem: str) -> None:
    problems = error_body_problems(status, body)
    assert any(problem in p for p in problems), problems


def _answer(body: dict[str, Any]) -> Any:
    scope = body.get("scope")
    scope = scope if isinstance(scope, str) else None
    return SimpleNamespace(scope=scope, scopes=set((scope or "").split()))


def test_granted_scopes_stated() -> None:
    assert granted_scopes(_answer({"scope": "read"}), "read write") == {"read"}
    assert granted_scopes(_answer({"scope": ""}), "read") == set()


def test_granted_scopes_implied_by_the_request() -> None:
    # RFC 6749 §5.1: scope is OPTIONAL when identical to the request.
    assert granted_scopes(_answer({}), "write read") == {"read", "write"}
    assert granted_scopes(_answer({}), None) is None


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "accepted"), (422, "accepted"), (201, "written"), (200, "written"), (403, "refused"),
     (401, "unauthenticated"), (404, "unclear"), (500, "unclear")],
)  # fmt: skip
def test_classify_write(status: int, outcome: str) -> None:
    assert classify_write(status) == outcome


def test_stand_ins_are_fresh() -> None:
    first, second = unknown_client(), unknown_client()
    assert first.client_id != second.client_id and first.client_secret != second.client_secret
    assert first.client_id.startswith("conformance-unknown-")
    assert unknown_scope() != unknown_scope()
