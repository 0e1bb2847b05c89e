"""specs/spry-auth.openapi.yaml: a valid OpenAPI 3.1 description that schemathesis loads, links included."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from conformance.generated.schema import load_schema, operations, spec_path
from conformance.rfc6749 import AUTHORIZATION_ERRORS, GRANT_TYPES, TOKEN_ERRORS


@pytest.fixture(scope="module")
def description() -> dict[str, Any]:
    return yaml.safe_load(spec_path().read_text(encoding="utf-8"))


def test_description_ships_with_the_package() -> None:
    assert spec_path().is_file(), spec_path()


def test_description_is_valid_openapi_3_1() -> None:
    spec, _ = read_from_filename(str(spec_path()))
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises OpenAPIValidationError with the failing path


def test_schemathesis_loads_every_operation() -> None:
    found = operations(load_schema())
    labels = {name: (operation.method.upper(), operation.path) for name, operation in found.items()}
    assert labels == {
        "requestToken": ("POST", "/apis/v2/oauth/token"),
        "refreshAccessToken": ("POST", "/apis/v1/oauth/token"),
        "authorize": ("GET", "/apis/v2/oauth/authorize"),
        "listPatients": ("GET", "/v2/patients"),
        "createPatient": ("POST", "/v2/patients"),
    }


def test_links_make_a_state_machine() -> None:
    """Get a token, use it at /v2/patients, refresh it (and again): every link is a step schemathesis can take."""
    machine = load_schema().as_state_machine()
    rules = [
        name for name, value in inspect.getmembers(machine) if hasattr(value, "hypothesis_stateful_rule")
    ]
    for link in ("UseAccessTokenToRead", "UseAccessTokenToWrite", "RefreshAtDocumentedPath", "UseRefreshedTokenToRead",
                 "RefreshAgain"):  # fmt: skip
        assert any(f"_{link}_" in name for name in rules), (link, rules)


def test_token_requests_are_form_encoded_for_each_grant(description: dict[str, Any]) -> None:
    body = description["paths"]["/apis/v2/oauth/token"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/x-www-form-urlencoded"]
    schemas = description["components"]["schemas"]
    grants = {schemas[ref["$ref"].rsplit("/", 1)[1]]["properties"]["grant_type"]["const"]
              for ref in body["application/x-www-form-urlencoded"]["schema"]["oneOf"]}  # fmt: skip
    assert grants == set(GRANT_TYPES)
    v1 = description["paths"]["/apis/v1/oauth/token"]["post"]["requestBody"]["content"]
    assert v1["application/x-www-form-urlencoded"]["schema"]["$ref"].endswith("/RefreshTokenRequest")


def test_token_responses_carry_the_rfc_and_spry_shapes(description: dict[str, Any]) -> None:
    schemas = description["components"]["schemas"]
    success = schemas["TokenSuccess"]
    assert set(success["required"]) == {"access_token", "token_type"}
    assert {"organisation_id", "user_id", "roles", "clinic_id_list", "name"} <= set(success["properties"])
    assert success["properties"]["clinic_id_list"]["items"] == {"type": "integer"}
    assert set(schemas["TokenErrorBody"]["properties"]["error"]["enum"]) == TOKEN_ERRORS
    for path in ("/apis/v2/oauth/token", "/apis/v1/oauth/token"):
        ok = description["paths"][path]["post"]["responses"]["200"]
        assert {"Cache-Control", "Pragma"} <= set(ok["headers"]), path


def test_authorize_redirects_are_described(description: dict[str, Any]) -> None:
    operation = description["paths"]["/apis/v2/oauth/authorize"]["get"]
    assert {"302", "303", "4XX", "200"} <= set(operation["responses"])
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge"} <= names
    assert AUTHORIZATION_ERRORS  # the redirect's error codes are checked by redirect_problems


def test_resource_uses_http_bearer(description: dict[str, Any]) -> None:
    scheme = description["components"]["securitySchemes"]["spryBearer"]
    assert (scheme["type"], scheme["scheme"]) == (
        "http",
        "bearer",
    )  # schemathesis's ignored_auth skips oauth2
    for method in ("get", "post"):
        operation = description["paths"]["/v2/patients"][method]
        assert operation["security"] == [{"spryBearer": []}]
        assert {"401", "403"} <= set(operation["responses"])
    envelope = description["components"]["schemas"]["Envelope"]
    assert set(envelope["required"]) == {"code", "data", "message"}


@pytest.mark.parametrize(
    ("value", "valid"),
    [('Internal failure: bad "grant"', False), ("the grant type is not supported", True), ("état", False)],
)
def test_error_description_pattern_follows_rfc_6749_5_2(
    description: dict[str, Any], value: str, valid: bool
) -> None:
    import re

    pattern = description["components"]["schemas"]["TokenErrorBody"]["properties"]["error_description"][
        "pattern"
    ]
    assert bool(re.search(pattern, value)) is valid
