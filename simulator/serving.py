"""Serve a WSGI app over real HTTP from a background thread (tests, the CLI's
in-process emulator). `port=0` picks a free port; `app` may be set after the
server exists, so an app can be built knowing its own URL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class ServedApp:
    def __init__(self, app: Callable[..., Any] | None = None, host: str = "127.0.0.1",
                 port: int = 0, quiet: bool = True) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server(
            host, port, self._dispatch, threaded=True,
            request_handler=QuietHandler if quiet else WSGIRequestHandler)
        self.server.daemon_threads = True  # type: ignore[attr-defined]
        # A short poll interval so `stop()` returns at once (tests start many servers).
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True,
                                       name=f"wsgi-{self.server.server_port}")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"not ready"]
        return self.app(environ, start_response)

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServedApp:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(timeout=5)
        self.server.server_close()

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
