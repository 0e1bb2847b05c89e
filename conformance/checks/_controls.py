"""Controls shared by checks: before judging a refusal, show that the genuine article is accepted."""

from __future__ import annotations

import pytest

from conformance.config import Target
from conformance.flows.resource import call_resource
from conformance.http import Response, Session


def is_success(response: Response) -> bool:
    return 200 <= response.status < 300


def served_or_skip(http: Session, target: Target, token: str) -> Response:
    """The control: the issued token is served with the Authorization header, or a refused probe proves nothing."""
    response = call_resource(http, target, token)
    if not is_success(response):
        pytest.skip(f"the issued access token itself was refused at {target.resource.read} (HTTP {response.status}): "
                    "BEARER-HEADER-ACCEPTED judges that; this check needs a token the resource serves")  # fmt: skip
    return response
