"""What an error response must not give away: stack traces, debug pages, SQL text, echoed secrets.

`find_leaks` recognises, in a response body (HTML, JSON or plain text) and its headers, the
traces of the common server stacks (Python, Java, .NET, Node.js, PHP, Ruby, Go), the debug pages
of their frameworks (Werkzeug, Django, Rails, ASP.NET, Laravel/Whoops, Symfony) and the error
texts of the common databases. `echoes` finds a submitted value (or an encoding of it) in the
raw response, before anything is masked. No assertions here: the checks judge.
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote_plus

from conformance.http import Response, Session, TargetError

#: Leak kinds.
TRACE = "stack trace"
DEBUG = "debug page"
SQL = "SQL error"


@dataclass(frozen=True)
class Leak:
    """One recognised leak: its kind, what it looks like, and a short excerpt around it."""

    kind: str
    what: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.what} ({self.kind}): {self.excerpt!r}"


def _p(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# (kind, what, pattern). Patterns are anchored on text a framework prints and a person does not
# write: a frame line with a file and a line number, a debugger's banner, a driver's error text.
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    # Python: the traceback header and its frame lines (quoted, or unquoted once HTML tags are gone).
    (TRACE, "Python traceback", _p(r"Traceback \(most recent call last\)")),
    (TRACE, "Python stack frame", _p(r'File "?[^"\n,]{1,300}\.py"?, line \d+(?:, in [\w<>.]+)?')),
    # Java / JVM: frames, exception class names, "Caused by".
    (TRACE, "Java stack frame",
     _p(r"\bat (?:[\w$]+\.)+[\w$<>]+\((?:[\w$]+\.(?:java|kt|scala|groovy|clj):\d+|Native Method|Unknown Source)\)")),
    (TRACE, "Java exception", _p(r"\b(?:java|javax|jakarta)\.(?:[a-z]\w*\.)+[A-Z]\w*(?:Exception|Error)\b")),
    (TRACE, "Java exception", _p(r"\bException in thread \"")),
    (TRACE, "Java exception", _p(r"\bCaused by: (?:[\w$]+\.)+[\w$]*(?:Exception|Error)\b")),
    (TRACE, "Spring exception", _p(r"\borg\.(?:springframework|hibernate|apache\.catalina)\.(?:[\w$]+\.)*[\w$]*Exception\b")),
    # .NET: frames with "in FILE:line N", the inner-trace marker, System.*Exception, the yellow page.
    (TRACE, ".NET stack frame", _p(r"\bat [\w.`<>\[\],]+\([^()\n]{0,300}\) in [^\n]{1,300}:line \d+")),
    (TRACE, ".NET stack trace", _p(r"--- End of (?:inner exception )?stack trace")),
    (TRACE, ".NET exception", _p(r"\bSystem\.(?:[A-Z]\w*\.)*[A-Z]\w*Exception\b")),
    (DEBUG, "ASP.NET error page", _p(r"Server Error in '[^'\n]{0,100}' Application")),
    # Node.js: "at fn (/path/file.js:12:34)", "at node:internal/...:1:2".
    (TRACE, "Node.js stack frame",
     _p(r"\bat (?:async )?(?:[\w$.<>\[\] ]{1,200} )?\(?(?:/|[A-Za-z]:\\|node:|file://)[^()\s]{0,300}:\d+:\d+\)?")),
    # PHP: fatal errors and warnings with their file, "#0 /path/file.php(12): ...", frameworks.
    (TRACE, "PHP error",
     _p(r"(?:Fatal error|Parse error|Warning|Notice|Deprecated|Uncaught [\w\\]+)\b[^\n]{0,300}? in "
        r"(?:/|[A-Za-z]:\\)[^\n]{0,300}?\.php(?::\d+| on line \d+)")),
    (TRACE, "PHP stack frame", _p(r"#\d+ (?:/|[A-Za-z]:\\)[^\n]{0,300}\.php\(\d+\): ")),
    (TRACE, "PHP stack trace", _p(r"Stack trace:\s*#0 ")),
    (DEBUG, "Laravel/Whoops error page", _p(r"Whoops, looks like something went wrong|\bIlluminate\\[\w\\]+Exception\b")),
    (DEBUG, "Symfony exception", _p(r"\bSymfony\\Component\\[\w\\]+Exception\b")),
    # Ruby: "app/models/x.rb:12:in `method'", the Rails exception page.
    (TRACE, "Ruby stack frame", _p(r"[\w./-]{1,300}\.rb:\d+:in [`'‘]")),
    (DEBUG, "Rails exception page", _p(r"Action Controller: Exception caught|\bRails\.root: ")),
    # Go: a panic with its goroutine dump.
    (TRACE, "Go panic", _p(r"goroutine \d+ \[running\]:|\bpanic: runtime error: ")),
    # Python web debuggers.
    (DEBUG, "Werkzeug debugger",
     _p(r"Werkzeug Debugger|The debugger caught an exception in your WSGI application|__debugger__=yes")),
    (DEBUG, "Django debug page", _p(r"seeing this error because you have\s+DEBUG\s*=\s*True|\bDjango Version:")),
    # Database drivers and engines.
    (SQL, "MySQL error", _p(r"You have an error in your SQL syntax|\bmysqli?_[a-z_]+\(\)|\bcom\.mysql\.(?:cj\.)?jdbc\b")),
    (SQL, "PDO error", _p(r"\bSQLSTATE\[[0-9A-Z]{1,5}\]")),
    (SQL, "PostgreSQL error",
     _p(r"\bPG::[A-Z]\w*Error\b|\bpsycopg2?\.(?:errors\.)?[A-Z]\w+|\borg\.postgresql\.util\.PSQLException\b"
        r"|syntax error at or near \"|unterminated quoted string at or near|\bNpgsql\.\w+")),
    (SQL, "SQLite error", _p(r"\bSQLite3::SQLException\b|\bsqlite3\.\w*Error\b|\bSQLITE_ERROR\b|near \"[^\"\n]{0,50}\": syntax error")),
    (SQL, "Oracle error", _p(r"\bORA-\d{5}\b|quoted string not properly terminated|SQL command not properly ended")),
    (SQL, "SQL Server error",
     _p(r"Unclosed quotation mark after the character string|Microsoft OLE DB Provider for|\[Microsoft\]\[ODBC"
        r"|\bSystem\.Data\.SqlClient\.SqlException\b|Incorrect syntax near '")),
    (SQL, "SQL exception", _p(r"\bjava\.sql\.\w*Exception\b|\bsqlalchemy\.exc\.\w+|\bSQLException\b")),
    # A statement itself: only upper-case keywords, as a driver prints the query it ran.
    (SQL, "SQL statement",
     _p(r"\bSELECT\s[^\n]{1,200}?\sFROM\s+[\w.\"`\[\]]+|\bINSERT\s+INTO\s+[\w.\"`\[\]]+|\bDELETE\s+FROM\s+[\w.\"`\[\]]+"
        r"|\bUPDATE\s+[\w.\"`\[\]]+\s+SET\s+[\w\"`]+\s*=")),
)  # fmt: skip

#: Response headers only debugging setups send (Symfony's profiler, ASP.NET's and PHP's debug headers).
DEBUG_HEADERS = frozenset(
    {"x-debug-exception", "x-debug-exception-file", "x-debug-token-link", "x-aspnet-debug"}
)

_TAG_BREAK = re.compile(r"(?i)<br\s*/?>|</(?:p|div|li|tr|td|pre|h\d|table|ul|ol)>")
_TAG = re.compile(r"<[^<>]{0,2000}>")


def readable_texts(text: str) -> list[str]:
    """The texts a leak may hide in: the body as sent, as an HTML page reads, and a JSON body's strings."""
    texts = [text]
    if "<" in text and ">" in text:
        stripped = _TAG.sub("", _TAG_BREAK.sub("\n", text))
        texts.append(html.unescape(stripped).replace("\xa0", " "))
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, (dict, list)):
        texts.append("\n".join(_strings(document)))
    return texts


def _strings(value: object, depth: int = 0) -> Iterable[str]:
    if depth > 20:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth + 1)


def find_leaks(text: str, headers: Iterable[tuple[str, str]] = ()) -> list[Leak]:
    """The leaks recognised in a response body and its headers: the first of each kind (trace, debug page, SQL)."""
    found: dict[str, Leak] = {}
    header_list = list(headers)
    for name, value in header_list:
        if name.lower() in DEBUG_HEADERS and DEBUG not in found:
            found[DEBUG] = Leak(DEBUG, f"{name} header", _clip(value))
    header_text = "\n".join(f"{name}: {unquote_plus(value)}" for name, value in header_list)
    for source in [*readable_texts(text), header_text]:
        for kind, what, pattern in _PATTERNS:
            if kind in found:
                continue
            match = pattern.search(source)
            if match:
                found[kind] = Leak(kind, what, _excerpt(source, match))
    return list(found.values())


def response_leaks(response: Response) -> list[Leak]:
    """`find_leaks` on a response: its raw body and headers (the Location's query included)."""
    return find_leaks(response.text, response.headers.multi_items())


def _excerpt(text: str, match: re.Match[str], context: int = 40, limit: int = 160) -> str:
    start, end = max(0, match.start() - context), min(len(text), match.end() + context)
    return _clip(text[start:end], limit)


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- echoes ---------------------------------------------------------------------------------


def echo_forms(value: str) -> set[str]:
    """The forms a submitted value takes when a server repeats it: as is, URL-, HTML-, JSON-escaped, base64."""
    forms = {
        value,
        quote(value, safe=""),
        quote_plus(value),
        html.escape(value),
        html.escape(value, quote=False),
        json.dumps(value)[1:-1],
        base64.b64encode(value.encode()).decode().rstrip("="),
        base64.urlsafe_b64encode(value.encode()).decode().rstrip("="),
    }
    return {form for form in forms if len(form) >= 8}


def echoes(response: Response, value: str) -> list[str]:
    """Where the raw response (body and headers, before any masking) repeats `value`: "body", "header X"."""
    forms = [form.encode() for form in echo_forms(value)]
    places = []
    if any(form in response.content for form in forms):
        places.append("body")
    for name, raw in response.headers.raw:
        if any(form in raw for form in forms):
            places.append(f"header {name.decode('latin-1').lower()}")
    return places


# --- malformed inputs -----------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
#: Characters that break a naively built SQL string.
QUOTES = "' OR '1'='1\";--"


@dataclass(frozen=True)
class Probe:
    """One malformed request: what it tries (`label`), and the request itself (`path` may carry a raw query)."""

    label: str
    method: str
    path: str
    content: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unknown_id() -> str:
    return "probe-" + secrets.token_hex(6)


def token_probes(token_path: str) -> list[Probe]:
    """Malformed token requests: bad Basic headers, broken bodies, odd content types, huge and quoted values.

    Every client_id is random and unknown, so no registered client collects failed authentications.
    """
    cc = "grant_type=client_credentials"

    def post(
        label: str, body: bytes | str, content_type: str = FORM, authorization: str | None = None
    ) -> Probe:
        headers = [("Content-Type", content_type)]
        if authorization is not None:
            headers.append(("Authorization", authorization))
        raw = body.encode() if isinstance(body, str) else body
        return Probe(label, "POST", token_path, raw, tuple(headers))

    secret = secrets.token_urlsafe(12)
    return [
        post("Basic header that is not base64", cc, authorization="Basic !!!%%%***"),
        post("Basic credentials that are not UTF-8", cc, authorization="Basic " + _b64(b"\xff\xfe\xfd:\xc3\x28")),
        post("Basic credentials without a colon", cc, authorization="Basic " + _b64(_unknown_id().encode())),
        post("Basic scheme with no credentials", cc, authorization="Basic"),
        post("invalid UTF-8 in the form body",
             b"grant_type=client_credentials&client_id=\xff\xfe" + _unknown_id().encode() + b"&client_secret=\xc3\x28"),
        post("invalid percent-encoded UTF-8", f"{cc}&client_id=%ff%fe%c0%af{_unknown_id()}&client_secret=%c3%28"),
        post("NUL characters in the client_id", f"{cc}&client_id=%00{_unknown_id()}%00&client_secret={secret}"),
        post("quote characters in the client_id",
             f"{cc}&client_id={quote_plus(_unknown_id() + QUOTES)}&client_secret={secret}"),
        post("an XML body", '<?xml version="1.0"?><token><grant_type>client_credentials</grant_type></token>',
             "application/xml"),
        post("a truncated JSON body", '{"grant_type": "client_credentials", "client_id": ', "application/json"),
        post("multipart/form-data without a boundary", "--x\r\nContent-Disposition: form-data\r\n", "multipart/form-data"),
        post("an oversized scope (10,000 characters)",
             f"{cc}&client_id={_unknown_id()}&client_secret={secret}&scope={'read+' * 2000}"),
        post("an oversized body (100 KB)", f"{cc}&client_id={_unknown_id()}&client_secret={secret}&pad={'x' * 100_000}"),
    ]  # fmt: skip


def authorize_probes(authorize_path: str, client_id: str | None, redirect_uri: str | None) -> list[Probe]:
    """Malformed authorization requests (GET): broken encodings, a malformed redirect_uri, huge and quoted values."""

    def get(label: str, query: str) -> Probe:
        return Probe(label, "GET", f"{authorize_path}?{query}")

    probes = [
        get("invalid UTF-8 in the client_id", "response_type=code&client_id=%ff%fe%c0%af&state=x"),
        get(
            "quote characters in the client_id",
            "response_type=code&client_id=" + quote_plus(_unknown_id() + QUOTES) + "&state=x",
        ),
    ]
    if client_id:
        known = f"response_type=code&client_id={quote_plus(client_id)}"
        redirect = f"&redirect_uri={quote_plus(redirect_uri)}" if redirect_uri else ""
        probes += [
            get("a malformed redirect_uri", f"{known}&redirect_uri=http%3A%2F%2F%5B%3A%3A1&state=x"),
            get("invalid UTF-8 in the scope", f"{known}{redirect}&scope=%ff%fe&state=x"),
            get(
                "an invalid code_challenge",
                f"{known}{redirect}&code_challenge=%00%ff%27&code_challenge_method=S256&state=x",
            ),
            get("an oversized state (8,000 characters)", f"{known}{redirect}&state={'s' * 8000}"),
        ]
    return probes


def resource_probes(read_method: str, read_path: str) -> list[Probe]:
    """Malformed bearer credentials at the protected resource."""

    def bearer(label: str, value: str) -> Probe:
        return Probe(label, read_method, read_path, None, (("Authorization", value),))

    return [
        bearer("a bearer token that is not base64url", "Bearer eyJ!!!.@@@.###"),
        bearer("a JWT with a malformed header",
               "Bearer " + _b64url(b'{"alg":5,"kid":["x"],"typ":{}}') + "." + _b64url(b"\xff\xfe") + ".AAAA"),
        bearer("a JWT whose header is not UTF-8", "Bearer " + _b64url(b"\xff\xfe{\x00") + ".e30.AAAA"),
        bearer("a JWT whose payload is not JSON",
               "Bearer " + _b64url(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64url(b"not json") + ".AAAA"),
        bearer("quote characters in the token", "Bearer x'\"--;"),
        bearer("an oversized token (8,000 characters)", "Bearer " + "A" * 8000),
    ]  # fmt: skip


def send(session: Session, probe: Probe) -> Response | None:
    """Send one probe; None when the target did not answer (a closed connection is not a leak)."""
    try:
        return session.request(probe.method, probe.path, content=probe.content, headers=dict(probe.headers))
    except TargetError:
        return None
