"""Everything the endpoints share, reached through ``request.app.state.spry``."""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock
from .faults import FaultSet
from .registry import Registry, demo_registry
from .settings import ServerSettings
from .store import Store
from .throttle import FailureThrottle
from .tokens import TokenService


@dataclass
class ServerState:
    """Settings, active faults, clock, demo data, store, throttle and token service of one server."""

    settings: ServerSettings
    faults: FaultSet
    clock: Clock
    registry: Registry
    store: Store = field(default_factory=Store)
    issuer: str = "http://127.0.0.1"
    throttle: FailureThrottle = field(init=False)
    tokens: TokenService = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = FailureThrottle(self.clock)
        self.tokens = TokenService(faults=self.faults, clock=self.clock, issuer=lambda: self.issuer)

    @classmethod
    def create(cls, settings: ServerSettings, clock: Clock | None = None) -> ServerState:
        """A fresh state: validates the fault names and generates secrets and the signing key."""
        switches = FaultSet(settings.faults | settings.variants)
        state = cls(settings, switches, clock or Clock(), demo_registry(settings.secrets))
        identities = [c.service_account for c in state.registry.clients.values()] + [
            state.registry.user.identity
        ]
        organisations = sorted({identity.organisation_id for identity in identities})
        state.store.seed_patients(settings.patients, organisations)
        return state
