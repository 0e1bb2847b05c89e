"""The scope judges, each on one good and one bad recorded answer."""

from __future__ import annotations

from conformance.config import Client
from conformance.judges import scopes as judge
from tests.judges.recorded import SPRY_TOKEN, response, token_answer

CLIENT = Client("primary", "c", "s", ("read", "write"), ("client_credentials",), None)
READER = Client("read_only", "r", "s", ("read",), ("client_credentials",), None)
RESOURCE = "https://spry.test/apis/v2/patients"
INVALID_SCOPE = {"error": "invalid_scope"}


def _granted(scope: str | None) -> dict[str, object]:
    body = {k: v for k, v in SPRY_TOKEN.items() if k != "scope"}
    return body if scope is None else {**body, "scope": scope}


def test_unknown_scope_not_granted() -> None:
    assert judge.ensure_unknown_scope_not_granted(token_answer(400, INVALID_SCOPE), "x1", "x1").held
    # narrowed, and stated: permitted
    assert judge.ensure_unknown_scope_not_granted(token_answer(200, _granted("read")), "read x1", "x1").held
    # not stated: read as the scope requested, unknown value included
    bad = judge.ensure_unknown_scope_not_granted(token_answer(200, _granted(None)), "read x1", "x1")
    assert not bad.held and bad.observed == "scope='read x1': a token with scope (not stated)"


def test_unregistered_scope_not_granted() -> None:
    assert judge.ensure_unregistered_scope_not_granted(token_answer(400, INVALID_SCOPE), "write", READER).held
    bad = judge.ensure_unregistered_scope_not_granted(
        token_answer(200, _granted("read write")), "write", READER
    )
    assert not bad.held and bad.observed.startswith("r (registered for 'read') asked 'write'")


def test_subset_granted() -> None:
    assert judge.ensure_subset_granted(token_answer(200, _granted("read"))).held
    assert judge.ensure_subset_granted(token_answer(200, _granted(None))).held
    assert not judge.ensure_subset_granted(token_answer(200, _granted("read write"))).held


def test_order_insensitive() -> None:
    baseline = token_answer(200, _granted("read write"))
    assert judge.ensure_order_insensitive(token_answer(200, _granted("write read")), "write read", baseline,
                                          CLIENT).held  # fmt: skip
    bad = judge.ensure_order_insensitive(token_answer(400, INVALID_SCOPE), "write read", baseline, CLIENT)
    assert not bad.held and bad.wanted == "the same grant as for 'read write': ['read', 'write']"


def test_default_scope() -> None:
    assert judge.ensure_default_scope(token_answer(400, INVALID_SCOPE), None, "GET /v2/patients").held
    assert not judge.ensure_default_scope(token_answer(400, {"error": "invalid_request"}), None, "x").held
    assert judge.ensure_default_scope(token_answer(200, _granted("read")), None, "x").held
    assert not judge.ensure_default_scope(token_answer(200, _granted("")), None, "x").held
    unstated = token_answer(200, _granted(None))
    assert judge.default_unstated(unstated) and not judge.default_unstated(
        token_answer(200, _granted("read"))
    )
    read = response(200, {"data": []}, url=RESOURCE, method="GET")
    assert judge.ensure_default_scope(unstated, read, "GET /v2/patients").held
    refused = judge.ensure_default_scope(unstated, response(403, "", url=RESOURCE), "GET /v2/patients")
    assert not refused.held and refused.observed == "no scope stated; GET /v2/patients answered HTTP 403"


def test_read_token_reads() -> None:
    token = token_answer(200, _granted("read"))
    assert judge.ensure_read_token_reads(token, response(200, {"data": []}, url=RESOURCE), "r").held
    assert not judge.ensure_read_token_reads(token, response(403, "", url=RESOURCE), "r").held


def test_write_refused_and_accepted() -> None:
    token = token_answer(200, _granted("read"))
    assert judge.ensure_write_refused(token, response(403, "", url=RESOURCE), "refused").held
    assert judge.ensure_write_refused(token, response(404, "", url=RESOURCE), "refused").held  # hidden
    written = judge.ensure_write_refused(token, response(422, "", url=RESOURCE), "refused")
    assert not written.held and written.observed.endswith("- HTTP 422")
    assert judge.probe_misconfigured(response(405, "", url=RESOURCE))
    assert judge.ensure_write_accepted(token, response(422, "", url=RESOURCE), "write", "POST /x").held
    assert not judge.ensure_write_accepted(token, response(403, "", url=RESOURCE), "write", "POST /x").held
