"""The fuzzing campaign's planned cases sent several at a time (conformance.generated.delivery): the
same requests, counts and verdicts as when they are sent one by one, and the cases sent at once only
when the round trip makes it worth it."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest

from conformance.checks.test_fuzzing import rules
from conformance.config import embedded_target
from conformance.evidence import Recorder
from conformance.generated.budget import budget_for
from conformance.generated.campaign import Campaign, run_campaign
from conformance.generated.delivery import MAX_THREADS, Delivery, threads_for
from conformance.generated.sender import Sender, Sent
from conformance.http import Response, Session
from conformance.masking import Masker
from conformance.reference.server import ReferenceServer
from conformance.reference.settings import ServerSettings

SEED = 7


def campaign_against(faults: frozenset[str], threads: int) -> tuple[Campaign, int, set[str]]:
    """One campaign against a fresh reference server 20 ms away: what it concluded, how many requests it
    sent, and the threads that sent its planned cases."""
    senders: set[str] = set()
    deliver = Sender.deliver

    def watched(self: Sender, sent: Sent) -> Response:
        senders.add(threading.current_thread().name.split("_")[0])
        return deliver(self, sent)

    with ReferenceServer(ServerSettings(faults=faults, latency=0.02)) as server, \
            mock.patch.object(Sender, "deliver", watched):  # fmt: skip
        target = embedded_target(server.base_url, server.credentials)
        session = Session(base_url=server.base_url, masker=Masker(), recorder=Recorder())
        try:
            campaign = run_campaign(session, target, budget_for("ci"), SEED, rules(target), threads=threads)
        finally:
            session.close()
    return campaign, session.requests_sent, senders


@pytest.mark.parametrize(
    "faults", [frozenset(), frozenset({"astral-char-500"})], ids=["clean", "astral-char-500"]
)
def test_cases_sent_at_once_give_what_one_at_a_time_gives(faults: frozenset[str]) -> None:
    one, sent_one, by_one = campaign_against(faults, threads=1)
    many, sent_many, by_many = campaign_against(faults, threads=MAX_THREADS)
    assert by_one == {"MainThread"} and by_many == {"MainThread", "campaign"}
    assert one.stopped is None and many.stopped is None, (one.stopped, many.stopped)
    assert one.generated == many.generated > 50
    assert one.judged == many.judged
    assert sorted(one.findings) == sorted(many.findings)
    assert {rid: breach.sent.describe() for rid, breach in one.findings.items()} == {
        rid: breach.sent.describe() for rid, breach in many.findings.items()
    }
    assert sent_one == sent_many
    assert ("FUZZ-TOKEN-NO-5XX" in one.findings) == bool(faults)


def test_a_local_target_gets_its_cases_in_order() -> None:
    assert threads_for(0.001, 70, max_rps=0) == 1  # 70 ms in sequence: nothing to overlap


def test_a_remote_target_gets_them_at_once_within_max_rps() -> None:
    assert threads_for(0.05, 70, max_rps=0) == MAX_THREADS  # 3.5 s in sequence
    assert threads_for(0.05, 70, max_rps=40) == 2  # 40 a second at 50 ms: 2 in flight
    assert threads_for(0.05, 70, max_rps=5) == 1


def test_closing_the_delivery_sends_nothing_more() -> None:
    """An error of the suite in the stateful scenarios closes the delivery: the cases not yet sent stay unsent."""
    sent: list[int] = []

    class SlowSender:
        def deliver(self, case: int) -> Response:
            time.sleep(0.05)
            sent.append(case)
            raise AssertionError("never judged")  # only counted here

    delivery = Delivery(SlowSender(), list(range(40)), threads=2)  # type: ignore[arg-type]
    delivery.close()
    assert delivery.halted and len(sent) <= 4  # at most the ones already in flight
