"""Running the reference server: in a background thread (tests, the suite) or in the foreground (``serve``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn

from . import tls
from .app import AUTHORIZE_PATH, PATIENTS_PATH, REFRESH_PATH, TOKEN_PATH, build_app
from .clock import Clock
from .faults import FAULTS
from .settings import ServerSettings
from .state import ServerState

STARTUP_TIMEOUT = 10.0


class ReferenceServer:
    """The reference Spry OAuth 2.0 server: ``start()``, use ``base_url`` and ``credentials``, ``stop()``.

    Fault names are validated on construction (:class:`~conformance.reference.faults.UnknownFault`).
    Client secrets, the user password and the JWT signing key are generated per server.
    """

    def __init__(self, settings: ServerSettings | None = None) -> None:
        self.settings = settings or ServerSettings()
        self.state = ServerState.create(self.settings)
        tls_only = sorted(n for n in self.state.faults.active if n in FAULTS and FAULTS[n].needs_tls)
        if tls_only and self.settings.tls is None:
            raise ValueError(
                f"fault(s) {', '.join(tls_only)} only show on a TLS server: set ServerSettings(tls=...)"
            )
        self._tls = tls.server_context(self.settings.tls) if self.settings.tls is not None else None
        self.clock: Clock = self.state.clock
        self.faults = self.state.faults
        self.app = build_app(self.state)
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._socket is None:
            raise RuntimeError("the server is not started")
        return self.state.issuer

    @property
    def credentials(self) -> dict[str, Any]:
        """The demo clients and user, secrets included."""
        return self.state.registry.credentials()

    def issued_credentials(self) -> list[str]:
        """Every code, access token and refresh token issued so far (for leak tests; never over HTTP)."""
        with self.state.store.lock:
            return list(self.state.store.issued)

    def _bind(self) -> socket.socket:
        if self._socket is not None:
            raise RuntimeError("a ReferenceServer is started only once")
        host, port = self.settings.host, self.settings.port
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(
            family, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )  # asyncio sets TCP_NODELAY only then
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        bound_port = sock.getsockname()[1]
        self._socket = sock
        scheme = "https" if self.settings.tls is not None else "http"
        authority = f"[{host}]:{bound_port}" if family == socket.AF_INET6 else f"{host}:{bound_port}"
        self.state.issuer = f"{scheme}://{authority}"
        return sock

    def _runner(self, server: uvicorn.Server, sock: socket.socket) -> Callable[[], None]:
        """What serves the bound socket: uvicorn itself, or the TLS front (``settings.tls``)."""
        context = self._tls
        if context is None:
            return lambda: server.run(sockets=[sock])
        serve_plain = self.faults.on("plain-http-served")
        return lambda: tls.run(server, sock, context, serve_plain=serve_plain)

    def _uvicorn(self, *, foreground: bool = False, access_log: bool = True) -> uvicorn.Server:
        # In the background the host process's logging is left alone (log_config=None); errors
        # still reach the "uvicorn.error" logger. In the foreground uvicorn logs requests as usual.
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            loop="asyncio",
            http="h11",
            ws="none",
            log_config=uvicorn.config.LOGGING_CONFIG if foreground else None,
            log_level="info" if foreground else "warning",
            access_log=foreground and access_log,
        )
        self._server = uvicorn.Server(config)
        return self._server

    def start(self) -> ReferenceServer:
        """Serve in a daemon thread; returns once the server accepts connections."""
        sock = self._bind()
        server = self._uvicorn()
        self._thread = threading.Thread(target=self._runner(server, sock), name="spry-reference", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the reference server did not start")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=STARTUP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def describe(server: ReferenceServer) -> list[str]:
    """The lines ``serve`` prints: endpoints, active faults and the demo credentials."""
    base, creds = server.base_url, server.credentials
    lines = [
        f"Spry reference OAuth 2.0 server on {base}",
        f"  token endpoint      {base}{TOKEN_PATH}  (also {REFRESH_PATH})",
        f"  authorize endpoint  {base}{AUTHORIZE_PATH}",
        f"  protected resource  GET/POST {base}{PATIENTS_PATH}",
        f"  faults              {', '.join(sorted(server.faults.active)) or 'none'}",
        "Demo credentials (printed on purpose, for manual use):",
    ]
    env_names = {
        "primary": "SPRY_CLIENT_SECRET",
        "secondary": "SPRY_SECONDARY_CLIENT_SECRET",
        "read_only": "SPRY_READER_CLIENT_SECRET",
    }
    for role, client in creds["clients"].items():
        lines.append(
            f"  {role:<10} client_id={client['client_id']} client_secret={client['client_secret']} "
            f'scopes="{client["scopes"]}" redirect_uri={client["redirect_uri"] or "-"}'
        )
    lines.append(f"  user       username={creds['user']['username']} password={creds['user']['password']}")
    lines.append("Environment for spry-conformance run:")
    lines += [
        f"  export {env_names[role]}={client['client_secret']}" for role, client in creds["clients"].items()
    ]
    lines.append(f"  export SPRY_USER_PASSWORD={creds['user']['password']}")
    lines.append("Press Ctrl-C to stop.")
    return lines


def serve(
    settings: ServerSettings | None = None, *, print_fn: Callable[[str], Any] = print, access_log: bool = True
) -> None:
    """Run the reference server in the foreground until Ctrl-C, after printing its URL and credentials."""
    server = ReferenceServer(settings)
    sock = server._bind()
    for line in describe(server):
        print_fn(line)
    try:
        server._runner(server._uvicorn(foreground=True, access_log=access_log), sock)()
    except KeyboardInterrupt:  # uvicorn re-raises the captured SIGINT after a clean shutdown
        pass
    finally:
        sock.close()
