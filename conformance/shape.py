"""A response body as its shape: the structure a reviewer needs, none of the values a patient owns.

A resource endpoint (`GET /v2/patients`) answers with health records. The evidence keeps what a
check judged (the status, the Spry envelope's `code` and `message`, which members there are and of
what type and length) and drops every value:

    {"code": 2000, "message": "Success", "data": [{"id": "<int>", "first_name": "<str 5>"}, "<2 more like it>"]}

`redact` drops named fields from any JSON body, kept whole or not: a member name (`ssn`) at any
depth, or a path from the top (`data[].identifier`, `$.data[*].address.line`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

#: The Spry envelope's members whose values are the API's own words, not a record's.
ENVELOPE_KEPT = ("code", "message")
MAX_KEPT_MESSAGE = 200
MAX_SHAPE_ITEMS = 3  # distinct item shapes listed for an array
REDACTED = "«redacted»"


#: What the session appends to a body it stopped reading at the read cap: kept in the shape too, since it is
#: the evidence that the cap held (a gzip bomb, a body declared gigabytes long).
READ_CAP_NOTE = " (body cut at the read cap)"


def shape_of_body(body: str) -> str:
    """The body as its shape (JSON) or one line saying what it was (anything else)."""
    stripped = body.strip()
    if not stripped:
        return ""
    try:
        document = json.loads(stripped)
    except (ValueError, RecursionError):
        note = READ_CAP_NOTE if body.endswith(READ_CAP_NOTE) else ""
        return f"<{len(body)} characters of non-JSON content, not kept (--keep-bodies keeps them)>{note}"
    return json.dumps(_envelope_shape(document), ensure_ascii=False, separators=(", ", ": "))


def _envelope_shape(document: Any) -> Any:
    if not isinstance(document, dict):
        return shape(document)
    result: dict[str, Any] = {}
    for key, value in document.items():
        if key == "code" and isinstance(value, int) and not isinstance(value, bool):
            result[key] = value
        elif key == "message" and isinstance(value, str):
            result[key] = value[:MAX_KEPT_MESSAGE]
        else:
            result[key] = shape(value)
    return result


def shape(value: Any, depth: int = 0) -> Any:
    """Types and lengths in place of values: `"<str 5>"`, `"<int>"`, `null`; arrays as their distinct item shapes."""
    if depth > 20:
        return "<nested deeper, not shown>"
    if value is None:
        return None
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, float):
        return "<number>"
    if isinstance(value, str):
        return f"<str {len(value)}>"
    if isinstance(value, dict):
        return {str(key): shape(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return _array_shape(value, depth)
    return f"<{type(value).__name__}>"


def _array_shape(items: list[Any], depth: int) -> list[Any]:
    shapes: list[Any] = []
    counts: list[int] = []
    for item in items:
        item_shape = shape(item, depth + 1)
        if item_shape in shapes:
            counts[shapes.index(item_shape)] += 1
        elif len(shapes) < MAX_SHAPE_ITEMS:
            shapes.append(item_shape)
            counts.append(1)
        else:
            counts[-1] += 1
    result: list[Any] = []
    for item_shape, count in zip(shapes, counts, strict=True):
        result.append(item_shape)
        if count > 1:
            result.append(f"<{count - 1} more like it>")
    return result


def redact_body(body: str, fields: Iterable[str]) -> str:
    """`body` with the named fields' values replaced by «redacted» (a JSON body; any other text unchanged)."""
    wanted = [f.strip() for f in fields if f.strip()]
    if not wanted or not body.strip():
        return body
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return body
    for field in wanted:
        document = _redact(document, _path(field))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _path(field: str) -> list[str] | str:
    """`ssn` -> a name matched at any depth; `data[].ssn` / `$.data[*].ssn` -> the path from the top."""
    text = field.removeprefix("$.").removeprefix("$")
    if "." not in text and "[" not in text:
        return text
    steps: list[str] = []
    for part in text.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        if rest:
            steps.append("[]")
    return steps


def _redact(value: Any, path: list[str] | str) -> Any:
    if isinstance(path, str):  # a name, at any depth
        if isinstance(value, dict):
            return {k: REDACTED if k == path else _redact(v, path) for k, v in value.items()}
        if isinstance(value, list):
            return [_redact(v, path) for v in value]
        return value
    if not path:
        return REDACTED
    step, rest = path[0], path[1:]
    if step == "[]":
        return [_redact(v, rest) for v in value] if isinstance(value, list) else value
    if isinstance(value, dict) and step in value:
        return {**value, step: _redact(value[step], rest)}
    return value
