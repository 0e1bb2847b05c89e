"""Reading request bodies with bounds, and ``application/x-www-form-urlencoded`` parsing.

RFC 6749 §3.2: the client sends token requests "using the application/x-www-form-urlencoded
format"; bodies above :data:`MAX_BODY` bytes are refused rather than read.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

FORM = "application/x-www-form-urlencoded"
MAX_BODY = 64 * 1024
MAX_VALUE = 4096


class UnreadableBody(ValueError):
    """The request body could not be read (the client went away)."""


class BodyTooLarge(UnreadableBody):
    """The request body exceeds :data:`MAX_BODY`."""


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, read in chunks and abandoned as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"the body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise UnreadableBody("the client disconnected") from exc
    return b"".join(chunks)


def media_type(request: Request) -> str:
    """The Content-Type without parameters, lower-cased ("" when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def form_pairs(body: bytes) -> list[tuple[str, str]]:
    """All name/value pairs of a form-encoded body, in order, repeats and empty values kept."""
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, errors="replace")


def json_pairs(body: bytes) -> list[tuple[str, str]] | None:
    """The string members of a JSON object body (only the ``json-body-accepted`` fault reads these)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict):
        return None
    return [(name, value) for name, value in document.items() if isinstance(value, str)]
