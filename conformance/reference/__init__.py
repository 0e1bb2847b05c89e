"""The reference Spry OAuth 2.0 server, with named faults for testing the conformance suite.

Stdlib, Starlette, uvicorn and PyJWT only; nothing here imports the rest of ``conformance``.
Modules follow the specifications: ``token_endpoint`` and ``client_auth`` (RFC 6749 §3.2, §2.3),
``grants/`` (§4.1, §4.4, §6), ``authorize``/``login``/``redirects`` (§4.1.1-§4.1.2), ``scopes``
(§3.3), ``pkce`` (RFC 7636), ``tokens`` (RFC 7519/8725), ``resource`` (RFC 6750), ``faults``.
"""

from .faults import FAULTS, Fault, UnknownFault
from .server import ReferenceServer, serve
from .settings import ServerSettings, TlsFiles

__all__ = ["FAULTS", "Fault", "ReferenceServer", "ServerSettings", "TlsFiles", "UnknownFault", "serve"]
