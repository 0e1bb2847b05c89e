"""The preflight is an allowlist: a run starts only once the target has issued the primary client a token.

Whatever else comes back first (a 5xx, HTML, a body that is not JSON, an error code, a redirect) ends
the run before any check with exit 3 and one line saying what came back and what to check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import TOKEN_PATH, Wrapped, run_against
from .middleware import Behaviour, on_route, respond

JSON = {"content-type": "application/json"}

#: name -> (the token endpoint's first answer, what the one line must say)
FIRST_ANSWERS: dict[str, tuple[Behaviour, str]] = {
    "server-error": (respond(503, JSON, b'{"error": "temporarily_unavailable"}'), "HTTP 503"),
    "html-page": (respond(200, {"content-type": "text/html"}, b"<html>Sign in</html>"),
                  "HTTP 200 with a text/html body that is not JSON"),
    "json-without-token": (respond(200, JSON, b'{"status": "ok"}'), "instead of a token"),
    "unknown-error-code": (respond(400, JSON, b'{"error": "\\u001b[2Jgone"}'), "error '\\x1b[2Jgone'"),
    "empty-403": (respond(403, {}, b""), "HTTP 403"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(FIRST_ANSWERS))
def test_target_that_issues_no_token_stops_at_preflight_with_one_line(
    kind: str, tmp_path: Path, reference_target: Callable[..., Wrapped]
) -> None:
    behaviour, said = FIRST_ANSWERS[kind]
    served = reference_target(on_route("POST", TOKEN_PATH, behaviour))
    outcome = run_against(tmp_path, served.base_url, served.env)
    assert outcome.code == 3, outcome.explain()
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert len(lines) <= 2 and said in outcome.output, outcome.explain()
    assert "\x1b" not in outcome.output, "an escape byte from the target reached the terminal"
    assert "Traceback" not in outcome.output
