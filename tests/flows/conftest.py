"""Fixtures for the login driver's tests: the login pages served on two origins, a fresh Session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.evidence import Recorder
from conformance.http import Session
from conformance.masking import Masker

from .login_site import PASSWORD, LoginSite, OtherOrigin, Served


@pytest.fixture(scope="session")
def other() -> Iterator[tuple[OtherOrigin, Served]]:
    origin = OtherOrigin()
    served = Served(origin.app())
    yield origin, served
    served.stop()


@pytest.fixture(scope="session")
def site(other: tuple[OtherOrigin, Served]) -> Iterator[tuple[LoginSite, Served]]:
    login_site = LoginSite(other_url=other[1].url)
    served = Served(login_site.app())
    yield login_site, served
    served.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def session(site: tuple[LoginSite, Served], recorder: Recorder) -> Iterator[Session]:
    s = Session(base_url=site[1].url, masker=Masker(), recorder=recorder, timeout=5.0, passwords=(PASSWORD,))
    yield s
    s.close()
