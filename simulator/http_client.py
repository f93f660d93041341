"""A keep-alive HTTP/1.1 client on asyncio streams, for the webhook benchmark only.

The load generator shares the machine with the app it measures, so every
microsecond it spends is taken from the app: requests are built (and signed) before
they are timed, written as bytes, and a response is read by its Content-Length —
nothing else. It speaks just enough HTTP for our own server on 127.0.0.1 (gunicorn):
no TLS, no chunked bodies, no redirects.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


class HttpError(Exception):
    """The connection failed, timed out or the server's answer was not HTTP/1.1."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


def post_bytes(url: str, form: dict[str, str], headers: dict[str, str]) -> bytes:
    """A complete `POST` of `form` to `url` as it goes on the wire."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(form).encode()
    head = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}",
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def get_bytes(url: str) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()


class Connection:
    """One persistent connection; reopened when the server closes it."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> Reply:
        try:
            return await asyncio.wait_for(self._exchange(request), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.close()
            raise HttpError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, request: bytes) -> Reply:
        reused = self._writer is not None
        try:
            return await self._once(request)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed an idle keep-alive connection: once more on a new one.
            await self.close()
            return await self._once(request)

    async def _once(self, request: bytes) -> Reply:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None and self._writer is not None
        self._writer.write(request)
        await self._writer.drain()
        return await self._body(await self._reader.readuntil(b"\r\n\r\n"))

    async def _body(self, head: bytes) -> Reply:
        assert self._reader is not None
        lines = head.decode("latin-1").split("\r\n")
        status_line = lines[0].split(" ", 2)
        if len(status_line) < 2 or not status_line[0].startswith("HTTP/1."):
            raise ValueError(f"not an HTTP response: {lines[0]!r}")
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding":
                raise ValueError("chunked responses are not expected from the app")
        body = await self._reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return Reply(int(status_line[1]), body)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass
