"""Look-alikes of a registered redirect URI, generated from a small grammar of mutations.

RFC 9700 §4.1.3 and §2.1: the authorization server compares the redirect URI of a request with the
registered one by exact string matching (RFC 3986 §6.2.1 simple string comparison); only the port of
a loopback redirect URI of a native app may vary (RFC 8252 §7.3). Every look-alike below differs from
the registered URI, and most of them would carry the code to a place the attacker controls or can
reach (an open redirector on the client's host, a sibling path, another host).

The grammar: mutation operators per URI component (scheme, userinfo, host, port, path, query,
fragment) and for the request (the parameter repeated). `lookalikes` applies each operator once to
the registered URI and keeps the results that differ from it. Pure functions, no I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urlsplit, urlunsplit

from conformance.rfc6749 import RESPONSE_PARAMETERS

#: A host the attacker controls (RFC 2606 reserves .example: it never resolves to anyone's server).
ATTACKER_HOST = "evil.example"


@dataclass(frozen=True)
class Lookalike:
    """One mutation of the registered redirect URI: its name, the redirect_uri value(s) sent, what it tries."""

    name: str  # "<component>.<operator>", e.g. "path.traversal"
    values: tuple[str, ...]  # the redirect_uri parameter(s) of the request, in order
    attack: str  # what an attacker hopes for, in a few words


Result = str | tuple[str, ...] | None
Mutation = Callable[[SplitResult], Result]


@dataclass(frozen=True)
class Operator:
    name: str
    attack: str
    mutate: Mutation


#: The grammar: one operator per component; `lookalikes` applies each one once.
GRAMMAR: list[Operator] = []


def _operator(name: str, attack: str) -> Callable[[Mutation], Mutation]:
    def register(mutate: Mutation) -> Mutation:
        GRAMMAR.append(Operator(name, attack, mutate))
        return mutate

    return register


# --- helpers -------------------------------------------------------------------------------------


def _with(p: SplitResult, **changes: str) -> str:
    return urlunsplit(p._replace(**changes))


def _host_text(p: SplitResult) -> str:
    """The host as written in the URI (case kept, brackets kept for IPv6)."""
    hostport = p.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        return hostport[: hostport.index("]") + 1]
    return hostport.rsplit(":", 1)[0] if p.port is not None else hostport


def _netloc(p: SplitResult, *, host: str | None = None, port: int | None = None, userinfo: str = "") -> str:
    """The registered authority with its host, port or userinfo replaced."""
    port = port if port is not None else p.port
    return (
        f"{userinfo + '@' if userinfo else ''}{host or _host_text(p)}{f':{port}' if port is not None else ''}"
    )


def _is_dns_name(p: SplitResult) -> bool:
    if not p.hostname:
        return False
    try:
        ipaddress.ip_address(p.hostname)
    except ValueError:
        return True
    return False


def _is_loopback(p: SplitResult) -> bool:
    if (p.hostname or "").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(p.hostname or "").is_loopback
    except ValueError:
        return False


def _swap_case(text: str) -> str:
    return text.upper() if text != text.upper() else text.lower()


def _path(p: SplitResult) -> str:
    return p.path or "/"


def _below(p: SplitResult, segment: str) -> str:
    """The registered path with one more segment."""
    return _with(p, path=_path(p).rstrip("/") + "/" + segment)


def _encode_first_letter(p: SplitResult, times: int) -> Result:
    """The path with its first letter percent-encoded once (`/%63allback`) or twice (`/%2563allback`)."""
    path = _path(p)
    for index, char in enumerate(path):
        if char.isascii() and char.isalpha():
            encoded = f"%{ord(char):02X}" if times == 1 else f"%25{ord(char):02X}"
            return _with(p, path=path[:index] + encoded + path[index + 1 :])
    return None


def _attacker_uri(p: SplitResult) -> str:
    return _with(p, netloc=_netloc(p, host=ATTACKER_HOST)) if p.hostname else urlunsplit(p) + "evil"


# --- the operators -------------------------------------------------------------------------------


@_operator("scheme.swap", "the code over another scheme (plain http is readable on the network)")
def _scheme_swap(p: SplitResult) -> Result:
    return _with(p, scheme={"https": "http", "http": "https"}.get(p.scheme.lower(), "https"))


@_operator("userinfo.registered-host", "the registered host as userinfo: the browser goes to the attacker")
def _userinfo(p: SplitResult) -> Result:
    return _with(p, netloc=_netloc(p, host=ATTACKER_HOST, userinfo=_host_text(p))) if p.hostname else None


@_operator("host.other", "another host entirely")
def _host_other(p: SplitResult) -> Result:
    return _attacker_uri(p) if p.hostname else None


@_operator("host.subdomain", "a sub-domain of the registered host (taken over, or serving user content)")
def _host_subdomain(p: SplitResult) -> Result:
    return _with(p, netloc=_netloc(p, host=f"evil.{_host_text(p)}")) if _is_dns_name(p) else None


@_operator("host.suffix", "the registered host as the start of the attacker's domain")
def _host_suffix(p: SplitResult) -> Result:
    return _with(p, netloc=_netloc(p, host=f"{_host_text(p)}.{ATTACKER_HOST}")) if _is_dns_name(p) else None


@_operator("host.case", "the host in another case (another string)")
def _host_case(p: SplitResult) -> Result:
    return _with(p, netloc=_netloc(p, host=_swap_case(_host_text(p)))) if _is_dns_name(p) else None


@_operator("port.other", "another port of the registered host (another service)")
def _port_other(p: SplitResult) -> Result:
    if not p.hostname or _is_loopback(p):  # RFC 8252 §7.3: loopback ports may vary
        return None
    return _with(p, netloc=_netloc(p, port=8443 if p.port != 8443 else 9443))


@_operator("path.longer", "a deeper path on the client (an open redirector or user content below it)")
def _path_longer(p: SplitResult) -> Result:
    return _below(p, "evil")


@_operator("path.suffix", "the registered path as the start of another path")
def _path_suffix(p: SplitResult) -> Result:
    return _with(p, path=_path(p).rstrip("/") + "evil") if _path(p) != "/" else None


@_operator("path.traversal", "dot segments that climb out of the registered path")
def _path_traversal(p: SplitResult) -> Result:
    return _below(p, "../evil")


@_operator("path.traversal-encoded", "percent-encoded dot segments (decoded after the comparison)")
def _path_traversal_encoded(p: SplitResult) -> Result:
    return _below(p, "%2e%2e/evil")


@_operator("path.traversal-double-encoded", "double percent-encoded dot segments")
def _path_traversal_double(p: SplitResult) -> Result:
    return _below(p, "%252e%252e/evil")


@_operator(
    "path.encoded-letter", "a letter of the path percent-encoded (equal once decoded, not as a string)"
)
def _path_encoded(p: SplitResult) -> Result:
    return _encode_first_letter(p, 1)


@_operator("path.double-encoded-letter", "a letter of the path percent-encoded twice")
def _path_double_encoded(p: SplitResult) -> Result:
    return _encode_first_letter(p, 2)


@_operator("path.case", "the path in another case")
def _path_case(p: SplitResult) -> Result:
    return _with(p, path=_swap_case(_path(p)))


@_operator("path.trailing-slash", "a trailing slash added (or taken off)")
def _path_trailing_slash(p: SplitResult) -> Result:
    path = _path(p)
    if path == "/":
        return None
    return _with(p, path=path[:-1] if path.endswith("/") else path + "/")


@_operator("query.added", "an added query parameter (an open-redirect parameter of the client)")
def _query_added(p: SplitResult) -> Result:
    return _with(p, query=(p.query + "&" if p.query else "") + f"next=https://{ATTACKER_HOST}/")


@_operator("fragment.added", "an added fragment")
def _fragment_added(p: SplitResult) -> Result:
    return _with(p, fragment=f"@{ATTACKER_HOST}")


@_operator("parameter.repeated-attacker-last", "redirect_uri twice: the registered one, then the attacker's")
def _repeated_last(p: SplitResult) -> Result:
    return urlunsplit(p), _attacker_uri(p)


@_operator("parameter.repeated-attacker-first", "redirect_uri twice: the attacker's, then the registered one")
def _repeated_first(p: SplitResult) -> Result:
    return _attacker_uri(p), urlunsplit(p)


# --- use -----------------------------------------------------------------------------------------


def lookalikes(registered: str, grammar: Sequence[Operator] = GRAMMAR) -> list[Lookalike]:
    """The look-alikes of `registered`: each operator of the grammar applied once, the ones that differ."""
    parts = urlsplit(registered)
    found: list[Lookalike] = []
    seen: set[tuple[str, ...]] = set()
    for operator in grammar:
        result = operator.mutate(parts)
        if result is None:
            continue
        values = (result,) if isinstance(result, str) else tuple(result)
        if values == (registered,) or values in seen:
            continue
        seen.add(values)
        found.append(Lookalike(operator.name, values, operator.attack))
    return found


def is_registered_uri(location: str, registered: str, *, host_case: bool = False) -> bool:
    """Does a redirect's Location go to exactly the registered URI?

    Exact string equality of scheme (case-insensitive), authority, path and the registered query,
    once the parameters an authorization server adds (code, state, error...) are taken off; the
    fragment must be absent, the registered one, or the dummy `#_` RFC 9700 §4.1.3 allows.
    With `host_case`, the host is compared case-insensitively too (RFC 3986 §3.2.2, §6.2.2.1).
    """
    here, there = urlsplit(location), urlsplit(registered)
    fold = str.lower if host_case else str
    if (here.scheme.lower(), fold(here.netloc), here.path) != (
        there.scheme.lower(),
        fold(there.netloc),
        there.path,
    ):
        return False
    kept = [(k, v) for k, v in parse_qsl(here.query, keep_blank_values=True) if k not in RESPONSE_PARAMETERS]
    if kept != parse_qsl(there.query, keep_blank_values=True):
        return False
    return here.fragment in {"", "_", there.fragment}


def without_query(url: str) -> str:
    """The URL without its query (where codes travel): safe to quote in a message."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="…" if parts.query else ""))
