"""The Starlette application: routes and the latency middleware."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .authorize import authorize
from .login import consent, login
from .metadata import JWKS_PATH, METADATA_PATH, jwks_endpoint, metadata_endpoint
from .resource import patients
from .spa import ROUTES as SPA_ROUTES
from .state import ServerState
from .token_endpoint import token_endpoint

TOKEN_PATH = "/apis/v2/oauth/token"
REFRESH_PATH = "/apis/v1/oauth/token"
AUTHORIZE_PATH = "/apis/v2/oauth/authorize"
LOGIN_PATH = "/apis/v2/oauth/login"
CONSENT_PATH = "/apis/v2/oauth/consent"
PATIENTS_PATH = "/v2/patients"


class AnyMethod:
    """An ASGI endpoint that receives every HTTP method, so the handler answers 405 itself."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


class LatencyMiddleware:
    """Delays every HTTP response by ``seconds`` (for benchmarks)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


class HstsMiddleware:
    """Strict-Transport-Security on every response sent over TLS (RFC 9325 §3.2), never over plain HTTP (RFC 6797 §7.2)."""

    def __init__(self, app: ASGIApp, value: str) -> None:
        self.app = app
        self.header = (b"strict-transport-security", value.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def build_app(state: ServerState) -> Starlette:
    """The reference server's ASGI application; ``app.state.spry`` is ``state``."""
    routes = [
        Route(TOKEN_PATH, AnyMethod(token_endpoint)),
        Route(REFRESH_PATH, AnyMethod(token_endpoint)),
        Route(AUTHORIZE_PATH, AnyMethod(authorize)),
        Route(LOGIN_PATH, AnyMethod(login)),
        Route(CONSENT_PATH, AnyMethod(consent)),
        Route(PATIENTS_PATH, AnyMethod(patients)),
        Route(METADATA_PATH, metadata_endpoint({"token": TOKEN_PATH, "authorize": AUTHORIZE_PATH})),
        Route(JWKS_PATH, jwks_endpoint),
    ]
    if state.settings.login == "spa":
        routes += [Route(path, AnyMethod(handler)) for path, handler in SPA_ROUTES]
    middleware = (
        [Middleware(LatencyMiddleware, seconds=state.settings.latency)] if state.settings.latency else []
    )
    if state.settings.tls is not None and not state.faults.on("no-hsts"):
        middleware.append(Middleware(HstsMiddleware, value="max-age=31536000; includeSubDomains"))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.spry = state
    return app
