"""Listening sockets that `helpline run` binds itself and hands to its children.

Choosing a free port and letting a child bind it later is a race: another program
(or a second `helpline run` in another clone) can take the port in between, and the
child dies while the stack believes it is up. Here the runner binds first and keeps
the socket for as long as the stack lives; the web server (gunicorn `fd://N`) and the
stand-in (`--fd N`) serve on the inherited descriptor, and a restarted child gets
the same socket again, so the port can never change hands under a running stack.
"""

from __future__ import annotations

import errno
import socket

HOST = "127.0.0.1"
BACKLOG = 1024


class PortInUse(Exception):
    """The port asked for is taken. `str()` is the one line shown to the operator."""


def listen(port: int, *, fallback: bool, host: str = HOST) -> socket.socket:
    """A socket listening on `host:port`; with `fallback`, on any free port when
    `port` is taken (the caller reads the port it got from the socket)."""
    try:
        return _listen(host, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        if not fallback:
            raise PortInUse(f"port {port} on {host} is in use") from None
    return _listen(host, 0)


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As every server does: rebinding right after a restart must not wait for
        # TIME_WAIT. (On Linux this never lets two listeners share a port.)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
