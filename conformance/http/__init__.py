"""The only room that sends requests to the target.

session.py    the policy every request keeps: one httpx client, timeouts, TLS, no redirects followed,
              a rate cap, a budget, credentials only to the target's origin, masked evidence
race.py       several requests released at one instant (last-byte synchronisation), same policy
network.py    the proxy (configured or from the environment) and TLS with a client certificate, for both
request.py    the one request builder and the one credential guard, used by both senders
decoding.py   bodies read within a cap and a deadline, content codings undone stage by stage
response.py   what came back, Retry-After, HTTP Basic as RFC 6749 §2.3.1 encodes it
"""

from conformance.errors import BudgetExhausted, CredentialGuard, TargetError
from conformance.http.decoding import ACCEPT_ENCODING, MAX_BODY_BYTES
from conformance.http.network import Network
from conformance.http.response import FormData, Response, basic_authorization, retry_after
from conformance.http.session import USER_AGENT, RateLimiter, Session

__all__ = [
    "ACCEPT_ENCODING",
    "MAX_BODY_BYTES",
    "USER_AGENT",
    "BudgetExhausted",
    "CredentialGuard",
    "FormData",
    "Network",
    "RateLimiter",
    "Response",
    "Session",
    "TargetError",
    "basic_authorization",
    "retry_after",
]
