"""spry-conformance: conformance and security checks for the Spry OAuth 2.0 server."""

__version__ = "0.1.0"
