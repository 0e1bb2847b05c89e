"""Values for generated input: the fuzzing dictionary and the hypothesis strategies of the property checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.config import Client

if TYPE_CHECKING:  # hypothesis is imported when a property check builds its strategy (generated.budget)
    from hypothesis import strategies as st

#: The fuzzing dictionary: values that break naive parsing, encoding and storage.
EDGE_VALUES: dict[str, str] = {
    "an emoji (outside the Basic Multilingual Plane)": "read \U0001f600\U0001f510",
    "non-ASCII letters": "état ✓ 日本語",
    "a NUL byte": "read\x00write",
    "CR LF": "read\r\nwrite",
    "quotes and markup": "<b>'read\"</b>",
    "stray percent signs": "%zz%%41read",
    "doubled and trailing spaces": "read  write ",
    "5000 characters": "r" * 5000,
}

#: Values of other JSON-ish types, as a form can only carry them: as text.
ODD_TYPED_VALUES: dict[str, str] = {
    "a JSON array": '["read","write"]',
    "a JSON object": '{"scope":"read"}',
    "null": "null",
    "true": "true",
    "a number": "-1",
    "a huge number": "1e309",
}


def state_values() -> st.SearchStrategy[str]:
    """States: printable ASCII (RFC 6749 Appendix A.5's VSCHAR), and any unicode text but controls."""
    from hypothesis import strategies as st

    printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
    unicode = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=24)
    return st.one_of(printable, unicode)


def scope_edge_spellings(registered: Sequence[str]) -> list[str]:
    """The registered scopes reversed, with a doubled, a leading and a trailing space, and repeated."""
    words = list(registered)
    return [" ".join(reversed(words)), "  ".join(words), " " + " ".join(words), " ".join(words) + " ",
            " ".join(words + words[:1])]  # fmt: skip


def scope_spellings(registered: Sequence[str]) -> st.SearchStrategy[str]:
    """Subsets of the registered scopes in any order, some repeated, with one to three spaces between them
    and sometimes before or after."""
    from hypothesis import strategies as st

    @st.composite
    def spell(draw: st.DrawFn) -> str:
        chosen = draw(st.lists(st.sampled_from(list(registered)), min_size=1, unique=True))
        words = draw(st.permutations(chosen + draw(st.lists(st.sampled_from(chosen), max_size=2))))
        gaps = [draw(st.sampled_from([1, 1, 1, 2, 3])) for _ in words[1:]] + [0]
        lead, trail = draw(st.sampled_from([0, 0, 0, 1, 2])), draw(st.sampled_from([0, 0, 0, 1, 2]))
        return (
            " " * lead
            + "".join(word + " " * gap for word, gap in zip(words, gaps, strict=True))
            + " " * trail
        )

    return spell()


@dataclass(frozen=True)
class Mutation:
    """One parameter of an otherwise valid token request replaced by an odd value."""

    grant: str
    parameter: str
    label: str
    value: str

    def describe(self) -> str:
        return f"a {self.grant} request with {self.parameter} = {self.label}"


MUTABLE = (
    ("client_credentials", "grant_type"),
    ("client_credentials", "scope"),
    ("authorization_code", "code"),
    ("authorization_code", "redirect_uri"),
    ("authorization_code", "code_verifier"),
    ("refresh_token", "refresh_token"),
    ("refresh_token", "scope"),
)

MUTATION_EXAMPLES = [
    Mutation("client_credentials", "grant_type", "5000 characters", "g" * 5000),
    Mutation("client_credentials", "scope", "5000 characters", "r" * 5000),
    Mutation("refresh_token", "refresh_token", "3000 characters", "t" * 3000),
    Mutation("client_credentials", "grant_type", "a JSON array", '["client_credentials"]'),
    Mutation("client_credentials", "scope", "null", "null"),
]


def mutations() -> st.SearchStrategy[Mutation]:
    """An oversized, odd-typed or edge value in one parameter of a token request."""
    from hypothesis import strategies as st

    oversized = st.builds(
        lambda n, c: (f"{n} × {c!r}", c * n), st.integers(1025, 6000), st.sampled_from("a%é +")
    )
    emoji = st.builds(lambda n: (f"{n} emoji", "\U0001f600" * n), st.integers(257, 2000))
    values = st.one_of(oversized, emoji, st.sampled_from(sorted(ODD_TYPED_VALUES.items())),
                       st.sampled_from(sorted(EDGE_VALUES.items())))  # fmt: skip
    return st.builds(lambda where, value: Mutation(where[0], where[1], value[0], value[1]),
                     st.sampled_from(MUTABLE), values)  # fmt: skip


def mutated_request(mutation: Mutation, client: Client) -> list[tuple[str, str]]:
    """A valid-looking request of the mutation's grant, with its parameter replaced (codes and tokens random)."""
    import secrets

    base: dict[str, str] = {"grant_type": mutation.grant}
    if mutation.grant == "client_credentials":
        base["scope"] = client.scope
    elif mutation.grant == "authorization_code":
        base["code"] = secrets.token_urlsafe(32)
        base["redirect_uri"] = client.redirect_uri or "https://client.example.org/callback"
    else:
        base["refresh_token"] = secrets.token_urlsafe(32)
    base[mutation.parameter] = mutation.value
    return list(base.items())


@dataclass(frozen=True)
class Identity:
    """A client identity as a token request may spell it: the id, the secret, and how they travel."""

    label: str
    client_id: str
    secret: str
    auth: str  # "body", "basic" (RFC 6749 §2.3.1: form-urlencoded, then base64) or "basic-raw" (not encoded)
    registered: bool  # the configured client's own id and secret, spelled otherwise


def identity_variants(client: Client) -> list[Identity]:
    """Spellings of the client's identity a server parses itself: case, whitespace, non-ASCII and
    percent-encoding of the id, and secrets holding the characters HTTP Basic's encoding must carry
    (RFC 6749 §2.3.1: "the client identifier is encoded using the "application/x-www-form-urlencoded"
    encoding algorithm ... and the encoded value is used as the username; the client password is encoded
    using the same algorithm and used as the password"). None may crash the server."""
    own, secret = client.client_id, client.client_secret or ""
    return [
        Identity("the client_id in upper case", own.upper(), secret, "body", True),
        Identity("the client_id with surrounding spaces", f" {own} ", secret, "body", True),
        Identity("the client_id percent-encoded in HTTP Basic", own, secret, "basic", True),
        Identity("a non-ASCII client_id", f"{own}-é✓", secret, "body", False),
        Identity("a client_id with percent signs", f"{own}%2F%zz", secret, "basic", False),
        Identity("a secret with + % : in HTTP Basic, encoded", f"{own}-fuzz", "s+e%cr:et", "basic", False),
        Identity(
            "a secret with + % : in HTTP Basic, not encoded", f"{own}-fuzz", "s+e%cr:et", "basic-raw", False
        ),
    ]


#: Scope spellings a server parses itself (RFC 6749 §3.3: space-delimited, case-sensitive, NQCHAR).
SCOPE_SPELLINGS: dict[str, str] = {
    "the scope in upper case": "READ",
    "a scope repeated": "read read",
    "scopes separated by a comma": "read,write",
    "scopes separated by a tab": "read\twrite",
    "a non-ASCII scope": "réad",
}
