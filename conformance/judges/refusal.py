"""The judge every refusal check shares: nothing issued is the property, the RFC 6749 §5.2 error its form."""

from __future__ import annotations

from collections.abc import Collection

from conformance.findings import Evidence, Refusal, judged
from conformance.verdict import TokenAnswer, refusal_deviation


def ensure_refused(answer: TokenAnswer, wanted: str, *evidence: Evidence, errors: Collection[str],
                   observed: str) -> Refusal:  # fmt: skip
    """RFC 6749 §5.2: a refused token request gets HTTP 400 (401 for client authentication) and one of the
    listed error codes. No token is the property the check decides; a refusal in another form is recorded
    for TOKEN-ERROR-BODY or TOKEN-ERROR-CODE (`verdict.refusal_deviation`)."""
    finding = judged(not answer.access_token, wanted, *evidence, answer, observed=observed)
    return Refusal(finding, refusal_deviation(answer, wanted, errors))
