"""`python -m simulator.server --port 5050 --app-url http://127.0.0.1:5000`

The stand-in as a process: Twilio's REST API (the emulator), the `/sim/*` control
API, and the demo phone page at `/`. Reads the same settings as the app (account
SID and auth token — the same instance folder, so the same generated token) and
`HELPLINE_CONFIG` for the numbers; every configured number's Voice URL is
`{app-url}/twilio/voice/incoming` and its status callback `{app-url}/twilio/voice/status`.
Calls run in background threads in real time.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from typing import Any

from flask import Flask, send_from_directory
from werkzeug.serving import make_server

from helpline.clock import Clock, SystemClock
from helpline.config import HelplineConfig, load_config
from helpline.settings import Settings, load_settings
from simulator.engine import NumberRoute, VoiceEngine
from simulator.phone import STATIC
from simulator.phone.control import make_control_blueprint
from simulator.phone.demo_callers import demo_callers
from simulator.rest.api import make_rest_blueprint


def number_routes(config: HelplineConfig, app_url: str) -> dict[str, NumberRoute]:
    app_url = app_url.rstrip("/")
    return {number.number: NumberRoute(f"{app_url}/twilio/voice/incoming",
                                       status_callback=f"{app_url}/twilio/voice/status")
            for number in config.numbers}


def numbers_json(config: HelplineConfig) -> list[dict[str, Any]]:
    callers = demo_callers(number.number for number in config.numbers)
    return [{"number": number.number, "name": number.name, "languages": list(number.languages),
             "demo_caller": callers[number.number]}
            for number in config.numbers]


def build_engine(settings: Settings, config: HelplineConfig, app_url: str, base_url: str,
                 clock: Clock | None = None) -> VoiceEngine:
    return VoiceEngine(account_sid=settings.twilio_account_sid,
                       auth_token=settings.twilio_auth_token, clock=clock or SystemClock(),
                       routes=number_routes(config, app_url),
                       recordings_dir=settings.instance_dir / "twilio-stand-in" / "recordings",
                       media_base_url=base_url)


def create_server_app(engine: VoiceEngine, config: HelplineConfig) -> Flask:
    app = Flask("simulator.server", static_folder=None)
    app.register_blueprint(make_rest_blueprint(engine))
    app.register_blueprint(make_control_blueprint(engine, numbers_json(config)))

    @app.get("/")
    def phone() -> Any:
        return send_from_directory(STATIC, "phone.html")

    @app.get("/static/<path:name>")
    def static_file(name: str) -> Any:
        return send_from_directory(STATIC, name)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.server",
                                     description="The local Twilio stand-in.")
    parser.add_argument("--port", type=int, default=5050)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fd", type=int, default=None,
                        help="Serve on this inherited listening socket (`helpline run` binds "
                             "the port itself, so it cannot change hands); --port is ignored.")
    parser.add_argument("--app-url", default="http://127.0.0.1:5000",
                        help="Where the helpline app listens (its /twilio/* webhooks).")
    args = parser.parse_args(argv)
    settings = load_settings()
    config = load_config(settings.config_path)
    port = _listening_port(args.fd) if args.fd is not None else args.port
    base_url = f"http://{args.host}:{port}"
    engine = build_engine(settings, config, args.app_url, base_url)
    server = make_server(args.host, port, create_server_app(engine, config), threaded=True,
                         fd=args.fd)

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    print(f"Twilio stand-in on {base_url} (demo phone at {base_url}/), "
          f"webhooks to {args.app_url}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _listening_port(fd: int) -> int:
    with socket.socket(fileno=socket.dup(fd)) as inherited:
        return int(inherited.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
