"""The OpenAPI description of the auth endpoints (`specs/spry-auth.openapi.yaml`), as schemathesis reads it.

Also the description's own judgement of a response: `conformance_problems` (status, content type,
headers and body schema, as schemathesis validates them).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from conformance.catalogue import specs_dir

if TYPE_CHECKING:
    from conformance.generated.sender import Sent

SPEC_FILE = "spry-auth.openapi.yaml"

#: operationId -> what it is, in the description.
TOKEN_OPERATIONS = ("requestToken", "refreshAccessToken")
AUTHORIZE_OPERATION = "authorize"
RESOURCE_OPERATIONS = ("listPatients", "createPatient")


def spec_path() -> Any:
    return specs_dir() / SPEC_FILE


@functools.cache
def load_schema() -> Any:
    """The description, loaded by schemathesis (once per process)."""
    import schemathesis

    return schemathesis.openapi.from_path(str(spec_path()))


def operations(schema: Any) -> dict[str, Any]:
    """The described operations by operationId."""
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[operation.definition.raw["operationId"]] = operation
    return found


def conformance_problems(sent: Sent) -> list[str]:
    """What schemathesis finds wrong with the response against the description: status, headers, body."""
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    if sent.case is None:
        return []
    checks = [status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]  # fmt: skip
    try:
        sent.case.validate_response(sent.schemathesis_response(), checks=checks)
    except BaseExceptionGroup as group:  # schemathesis's FailureGroup is a BaseExceptionGroup
        return [_failure_text(failure) for failure in group.exceptions]
    except Exception as error:  # a check that cannot judge this response is not a finding
        return [] if not hasattr(error, "title") else [_failure_text(error)]
    return []


def _failure_text(failure: Any) -> str:
    title = getattr(failure, "title", type(failure).__name__)
    message = " ".join(str(getattr(failure, "message", "") or "").split())
    return f"{title}: {message[:300]}" if message else str(title)
