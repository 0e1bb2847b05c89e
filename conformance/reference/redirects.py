"""Redirects back to the client (RFC 6749 §4.1.2, §4.1.2.1, §3.1.2).

§4.1.2: ``state`` is returned "REQUIRED if the "state" parameter was present in the client
authorization request. The exact value received from the client." Parameters are added to the
redirect URI's query (§3.1.2: "The endpoint URI MAY include an "application/x-www-form-urlencoded"
formatted ... query component, which MUST be retained when adding additional query parameters")
and percent-encoded with ``quote`` so every state round-trips byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from starlette.responses import RedirectResponse

from .faults import FaultSet


def redirect(
    target: str,
    params: Mapping[str, str | None],
    faults: FaultSet,
    *,
    error: bool = False,
    fragment: bool = False,
) -> RedirectResponse:
    """A 302 to ``target`` carrying ``params`` in the query (or, for implicit, the fragment)."""
    values = {name: value for name, value in params.items() if value is not None}
    state = values.get("state")
    if state is not None:
        if error and faults.on("error-redirect-drops-state"):
            del values["state"]
        elif faults.on("state-mangled"):
            values["state"] = state.split(" ", 1)[0]
        elif faults.on("state-markup-stripped"):  # an over-eager "XSS filter"
            values["state"] = state.translate({ord(c): None for c in "<>\"'"})
    encoded = urlencode(values, quote_via=quote)
    try:
        parts = urlsplit(target)
    except ValueError:  # only a fault redirects to an unvalidated URI; never fail on one
        location = f"{target}{'#' if fragment else '?'}{encoded}"
    else:
        if fragment:
            parts = parts._replace(fragment=encoded)
        else:
            parts = parts._replace(query=f"{parts.query}&{encoded}" if parts.query else encoded)
        location = urlunsplit(parts)
    response = RedirectResponse(location, status_code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_redirect(
    target: str, error: str, description: str, state: str | None, faults: FaultSet
) -> RedirectResponse:
    """An authorization error reported to the client (§4.1.2.1)."""
    return redirect(
        target, {"error": error, "error_description": description, "state": state}, faults, error=True
    )
