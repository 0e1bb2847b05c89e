"""Replays a reviewer can run: each evidence exchange as a curl command and a short Python `httpx` script.

The evidence is masked (`client_secret=«P4MF…#24ec41a9»`). A replay puts back what a reviewer can supply:
- a configured secret becomes the environment variable that holds it (`"$SPRY_CLIENT_SECRET"`), an HTTP
  Basic credential is rebuilt from the client id and that variable, the user's password `$SPRY_USER_PASSWORD`;
- a code or token the target issued earlier in the same check is named after the step that obtained it
  (`$STEP1_ACCESS_TOKEN`: the `access_token` of step #1's response, `$STEP3_CODE`: the `code` in step #3's
  Location). The httpx script runs those steps first and takes the value from their answers; the curl
  command says which step's answer to export it from.
In a URL or a form-encoded body a value went out percent-encoded (RFC 6749 Appendix B): the replay encodes
it the same way (a secret or a password may hold `+`, `&` or `%`).
Nothing here holds a secret: only masked placeholders, which the evidence shows already, and variable names.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from conformance.masking import mask_value

_PLACEHOLDER = re.compile(r"«[^«»]*»")
_SKIPPED_HEADERS = {"host", "content-length", "user-agent", "accept-encoding", "connection", "cookie"}


@dataclass(frozen=True)
class Variable:
    """What a masked placeholder stands for in a replay: an environment variable, or a Basic credential."""

    env: str
    client_id: str | None = None  # set for `Basic base64(client_id:secret)`


def variables(secrets: Iterable[tuple[str, str, str | None]]) -> dict[str, Variable]:
    """placeholder -> Variable, from (environment variable, secret value, client id or None) triples."""
    found: dict[str, Variable] = {}
    for env, value, client_id in secrets:
        found[mask_value(value)] = Variable(env)
        if client_id is not None:
            for pair in (f"{quote_plus(client_id)}:{quote_plus(value)}", f"{client_id}:{value}"):
                found[mask_value(base64.b64encode(pair.encode()).decode())] = Variable(env, client_id)
    return found


@dataclass(frozen=True)
class Step:
    """A value an earlier exchange of the check obtained: where to read it from."""

    name: str  # STEP2_ACCESS_TOKEN
    index: int  # the step (1-based) whose answer holds it
    field: str  # the JSON member or Location parameter
    where: str  # "json" | "location"


def add_replays(evidence: list[dict[str, Any]], known: dict[str, Variable]) -> list[str]:
    """Give each exchange of a check's evidence its `replay_curl` and `replay_httpx`; return the env vars used."""
    exchanges = [e for e in evidence if "method" in e]
    used: set[str] = set()
    for position, exchange in enumerate(exchanges):
        steps = _steps(exchange, exchanges[:position], known)
        used |= {v.env for p, v in known.items() if p in _request_text(exchange)}
        exchange["replay_curl"] = _curl(exchange, position + 1, known, steps)
        exchange["replay_httpx"] = _httpx(exchanges, position, known)
    return sorted(used)


def _request_text(exchange: dict[str, Any]) -> str:
    headers = " ".join(f"{n}: {v}" for n, v in exchange.get("request_headers") or [])
    return f"{exchange.get('url', '')} {headers} {exchange.get('request_body', '')}"


def _steps(
    exchange: dict[str, Any], earlier: list[dict[str, Any]], known: dict[str, Variable]
) -> dict[str, Step]:
    """Each unknown placeholder of the request, traced to the latest earlier answer that holds it."""
    steps: dict[str, Step] = {}
    for placeholder in _PLACEHOLDER.findall(_request_text(exchange)):
        if placeholder in known or placeholder in steps:
            continue
        for index in range(len(earlier), 0, -1):
            source = _source_of(earlier[index - 1], placeholder)
            if source:
                field, where = source
                steps[placeholder] = Step(
                    f"STEP{index}_{re.sub(r'[^A-Z0-9]', '_', field.upper())}", index, field, where
                )
                break
    return steps


def _source_of(exchange: dict[str, Any], placeholder: str) -> tuple[str, str] | None:
    try:
        body = json.loads(exchange.get("response_body") or "")
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        for key, value in body.items():
            if value == placeholder:
                return str(key), "json"
    for name, value in exchange.get("response_headers") or []:
        if name.lower() == "location":
            match = re.search(rf"[?#&]([A-Za-z_]+)={re.escape(placeholder)}", value)
            if match:
                return match.group(1), "location"
    return None


def _form_body(exchange: dict[str, Any]) -> bool:
    """The body is `application/x-www-form-urlencoded`: its values went out percent-encoded."""
    kind = next(
        (str(v) for n, v in exchange.get("request_headers") or [] if str(n).lower() == "content-type"), ""
    )
    return "x-www-form-urlencoded" in kind.lower()


def _headers(exchange: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(n), str(v))
        for n, v in exchange.get("request_headers") or []
        if str(n).lower() not in _SKIPPED_HEADERS
    ]


# curl ---------------------------------------------------------------------------------------------


#: A shell function for values that go out percent-encoded (defined in a replay only when it uses it).
URLENCODE = 'urlencode() { python3 -c \'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.argv[1]), end="")\' "$1"; }'


def _curl(exchange: dict[str, Any], number: int, known: dict[str, Variable], steps: dict[str, Step]) -> str:
    encoding: list[bool] = []

    def shell(text: str, encoded: bool = False) -> str:
        """`text` in double quotes, each placeholder replaced by its variable (unknown ones stay masked);
        `encoded`: the variable's value percent-encoded, as it went out in a URL or form body."""
        out, last = ['"'], 0
        for match in _PLACEHOLDER.finditer(text):
            out.append(_escape(text[last : match.start()]))
            value = _shell_value(match.group(0), known, steps)
            if encoded and value.startswith("${"):
                encoding.append(True)
                value = f'$(urlencode "{value}")'
            out.append(value)
            last = match.end()
        return "".join([*out, _escape(text[last:]), '"'])

    lines = [f"# step #{number}"]
    lines += [f"# export {s.name}=<the {s.field} {'in the JSON answer' if s.where == 'json' else 'in the Location'} of step #{s.index}>"
              for s in steps.values()]  # fmt: skip
    parts = ["curl", "-i", "-X", exchange.get("method", "GET")]
    for name, value in _headers(exchange):
        parts += ["-H", shell(f"{name}: {value}")]
    if exchange.get("request_body"):
        parts += ["--data-raw", shell(str(exchange["request_body"]), encoded=_form_body(exchange))]
    parts.append(shell(str(exchange.get("url", "")), encoded=True))
    return "\n".join([*lines, *[URLENCODE] * bool(encoding), " ".join(parts)])


def _escape(text: str) -> str:
    return re.sub(r'([\\"$`])', r"\\\1", text)


def _shell_value(placeholder: str, known: dict[str, Variable], steps: dict[str, Step]) -> str:
    variable = known.get(placeholder)
    if variable is not None and variable.client_id is not None:
        return (
            f"$(printf '%s:%s' {_escape(variable.client_id)} \"${{{variable.env}}}\" | base64 | tr -d '\\n')"
        )
    if variable is not None:
        return f"${{{variable.env}}}"
    if placeholder in steps:
        return f"${{{steps[placeholder].name}}}"
    return _escape(placeholder)


# httpx --------------------------------------------------------------------------------------------


def _httpx(exchanges: list[dict[str, Any]], position: int, known: dict[str, Variable]) -> str:
    """A script that sends the steps the exchange needs, then the exchange, and prints its status."""
    needed = _needed(exchanges, position, known)
    lines = ["import base64, os, urllib.parse", "", "import httpx", "",
             *_py_definitions(exchanges, needed, known), "client = httpx.Client(follow_redirects=False)"]  # fmt: skip
    for index in needed:
        exchange = exchanges[index]
        steps = _steps(exchange, exchanges[:index], known)
        headers = ", ".join(f"{name!r}: {_py(value, known, steps)}" for name, value in _headers(exchange))
        body = _py(str(exchange.get("request_body") or ""), known, steps, encoded=_form_body(exchange))
        url = _py(str(exchange.get("url", "")), known, steps, encoded=True)
        lines.append(f"step{index + 1} = client.request({exchange.get('method', 'GET')!r}, {url}, "
                     f"headers={{{headers}}}, content={body})")  # fmt: skip
        for step in _steps_obtained(exchanges, index, needed, known):
            lines.append(f"{step.name} = {_reader(step)}")
    lines.append(
        f"print(step{position + 1}.status_code)  # the evidence shows {exchanges[position].get('status')}"
    )
    return "\n".join(lines)


def _needed(exchanges: list[dict[str, Any]], position: int, known: dict[str, Variable]) -> list[int]:
    wanted, pending = {position}, [position]
    while pending:
        index = pending.pop()
        for step in _steps(exchanges[index], exchanges[:index], known).values():
            if step.index - 1 not in wanted:
                wanted.add(step.index - 1)
                pending.append(step.index - 1)
    return sorted(wanted)


def _steps_obtained(
    exchanges: list[dict[str, Any]], index: int, needed: list[int], known: dict[str, Variable]
) -> list[Step]:
    """The values later needed steps take from step `index`'s answer."""
    found: dict[str, Step] = {}
    for later in needed:
        for step in _steps(exchanges[later], exchanges[:later], known).values():
            if step.index == index + 1:
                found[step.name] = step
    return list(found.values())


def _reader(step: Step) -> str:
    if step.where == "json":
        return f"step{step.index}.json()[{step.field!r}]"
    location = f"urllib.parse.urlsplit(step{step.index}.headers['location'])"
    return (f"(urllib.parse.parse_qs({location}.query) or urllib.parse.parse_qs({location}.fragment))"
            f"[{step.field!r}][0]")  # fmt: skip


def _py_name(variable: Variable) -> str:
    return f"BASIC_{variable.env}" if variable.client_id is not None else variable.env


def _py_definitions(
    exchanges: list[dict[str, Any]], needed: list[int], known: dict[str, Variable]
) -> list[str]:
    """One line per environment variable the script reads (and per Basic credential it builds from one)."""
    text = " ".join(_request_text(exchanges[i]) for i in needed)
    lines: dict[str, str] = {}
    for placeholder, variable in known.items():
        if placeholder not in text:
            continue
        lines[variable.env] = f"{variable.env} = os.environ[{variable.env!r}]"
        if variable.client_id is not None:
            lines[_py_name(variable)] = (f"{_py_name(variable)} = base64.b64encode(f{variable.client_id + ':{' + variable.env + '}'!r}"
                                         ".encode()).decode()")  # fmt: skip
    return list(lines.values())


def _py(text: str, known: dict[str, Variable], steps: dict[str, Step], *, encoded: bool = False) -> str:
    """`text` as a Python f-string expression, placeholders replaced by env vars and step values
    (percent-encoded when `encoded`: in a URL or a form body)."""
    if not _PLACEHOLDER.search(text):
        return repr(text)
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(text[last : match.start()].replace("{", "{{").replace("}", "}}"))
        placeholder = match.group(0)
        variable = known.get(placeholder)
        name = (
            _py_name(variable)
            if variable is not None
            else steps[placeholder].name
            if placeholder in steps
            else None
        )
        if name is None:
            out.append(placeholder)
        else:
            out.append(f"{{urllib.parse.quote_plus({name})}}" if encoded else f"{{{name}}}")
        last = match.end()
    out.append(text[last:].replace("{", "{{").replace("}", "}}"))
    return "f" + repr("".join(out))
