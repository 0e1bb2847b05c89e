"""Bodies read within bounds: a read cap, a whole-body deadline, content codings undone stage by stage.

A hostile target can answer with a gzip bomb, an endless body or a trickle; each ends here within
MAX_BODY_BYTES and the timeout, and the evidence says what was cut.
"""

from __future__ import annotations

import time
import zlib
from http.client import HTTPResponse

import httpx

MAX_BODY_BYTES = 2 * 1024 * 1024  # a response is read up to this many (decoded) bytes
ACCEPT_ENCODING = "gzip, deflate"  # the content codings `read_capped` undoes, each within the read cap


def decoded(content: bytes, truncated: bool) -> tuple[str, str]:
    """The body as text, and a note when it is not valid UTF-8 (RFC 8259 §8.1: JSON between systems MUST be)."""
    try:
        return content.decode("utf-8"), ""
    except UnicodeDecodeError as error:
        if truncated and error.reason == "unexpected end of data":  # the read cap cut a character in two
            return content.decode("utf-8", errors="replace"), ""
        note = f" (not valid UTF-8 from byte {error.start}: shown with U+FFFD replacement characters)"
        return content.decode("utf-8", errors="replace"), note


def read_capped(raw: httpx.Response, timeout: float) -> tuple[bytes, bool]:
    """The body, decoded, up to the read cap (and whether it was cut); the whole body within `timeout` s.

    The content codings are undone here, not by httpx: each decoding stage stops at the cap, so a
    gzip bomb (a few KB that inflate to gigabytes, twice gzipped even) costs a few MB at most. A body
    that keeps trickling in (every read within the timeout, the whole never) times out.
    """
    deadline = time.monotonic() + timeout
    codings = [c.strip().lower() for c in raw.headers.get("content-encoding", "").split(",")]
    # the last coding applied is undone first; other codings (identity, or unasked br) are left as they are
    stages = [Inflater(c) for c in reversed(codings) if c in _INFLATE]
    chunks: list[bytes] = []
    size = 0
    for raw_chunk in raw.iter_raw():
        chunk = raw_chunk
        for stage in stages:
            chunk = stage.feed(chunk)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES or any(stage.full for stage in stages):
            return b"".join(chunks)[:MAX_BODY_BYTES], True
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the body was still arriving", request=raw.request)
    tail = b""
    for stage in stages:
        tail = stage.feed(tail) + stage.flush()
    chunks.append(tail)
    size += len(tail)
    return b"".join(chunks)[:MAX_BODY_BYTES], size > MAX_BODY_BYTES or any(stage.full for stage in stages)


def read_raw_capped(raw: HTTPResponse, timeout: float) -> bytes:
    """Up to the read cap plus one byte of a raw response's body, the whole within `timeout` s."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        chunk = raw.read1(MAX_BODY_BYTES + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline and size <= MAX_BODY_BYTES:
            raise TimeoutError("the body was still arriving")
    return b"".join(chunks)


_INFLATE = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}  # what httpx decodes (no br, zstd)


class Inflater:
    """One gzip or deflate coding undone, producing no more than the read cap (plus one byte) in all."""

    def __init__(self, coding: str) -> None:
        self.raw_deflate_allowed = coding == "deflate"  # as httpx (and browsers): a zlib wrapper, or none
        self._zlib = zlib.decompressobj(_INFLATE[coding])
        self.produced = 0
        self.full = False  # the cap was reached: the rest of the stream is never inflated

    def feed(self, data: bytes) -> bytes:
        room = MAX_BODY_BYTES + 1 - self.produced
        if not data or room <= 0:  # (max_length 0 would mean "no limit")
            self.full = self.full or bool(data)
            return b""
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error as error:
            if not (self.raw_deflate_allowed and self.produced == 0):
                raise httpx.DecodingError(str(error)) from None
            self.raw_deflate_allowed = False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data)
        self.raw_deflate_allowed = False
        self.produced += len(out)
        self.full = self.full or bool(self._zlib.unconsumed_tail) or self.produced > MAX_BODY_BYTES
        return out

    def flush(self) -> bytes:
        if self.full:
            return b""
        try:
            out = self._zlib.flush()[: MAX_BODY_BYTES + 1 - self.produced]
        except zlib.error as error:
            raise httpx.DecodingError(str(error)) from None
        self.produced += len(out)
        return out
