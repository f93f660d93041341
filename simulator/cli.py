"""`helpline call`: place one simulated call and print what happened as JSON.

With TWILIO_API_BASE pointing at a running stand-in (`helpline run` sets it for its
children), or else the stand-in of the `helpline run` of this instance folder
(`helpline.local_stack`: another terminal of the same clone needs nothing exported),
the call is placed there, so the app's REST redirects reach the live call. Otherwise
the call runs in this process against `--app-url` on a simulated clock, with a
temporary REST emulator serving its recordings.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import requests

from helpline import local_stack
from helpline.clock import SimulatedClock, SystemClock
from helpline.settings import Settings, load_settings
from simulator.call import CallScript
from simulator.engine import NumberRoute, VoiceEngine
from simulator.keypad import parse_press
from simulator.phone.demo_callers import demo_caller, demo_callers
from simulator.report import call_json
from simulator.rest.api import create_rest_app
from simulator.serving import ServedApp

POLL_SECONDS = 0.25


def running_stand_in(api_base: str | None) -> str | None:
    """The stand-in's base URL if one answers there (not real Twilio)."""
    if not api_base:
        return None
    try:
        response = requests.get(api_base.rstrip("/") + "/sim/health", timeout=1)
    except requests.RequestException:
        return None
    return api_base.rstrip("/") if response.ok else None


def _stand_in_base(settings: Settings) -> str | None:
    if settings.twilio_api_base is not None:
        return settings.twilio_api_base
    running = local_stack.read(settings.instance_dir)
    return running.stand_in_url if running is not None else None


def call_through_server(base: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    response = requests.post(base + "/sim/calls", json=payload, timeout=10)
    if response.status_code != 201:
        raise click.ClickException(f"the stand-in refused the call: {response.text.strip()}")
    sid = response.json()["call_sid"]
    deadline = time.monotonic() + timeout
    while True:
        report: dict[str, Any] = requests.get(f"{base}/sim/calls/{sid}", timeout=10).json()
        if report["finished"]:
            return report
        if time.monotonic() > deadline:
            requests.post(f"{base}/sim/calls/{sid}/hangup", timeout=10)
            raise click.ClickException(f"call {sid} still running after {timeout:.0f}s; hung up")
        time.sleep(POLL_SECONDS)


def call_in_process(app_url: str, script: CallScript, to: str, from_: str,
                    real_time: bool) -> dict[str, Any]:
    settings = load_settings()
    clock = SystemClock() if real_time else SimulatedClock()
    app_url = app_url.rstrip("/")
    route = NumberRoute(f"{app_url}/twilio/voice/incoming",
                        status_callback=f"{app_url}/twilio/voice/status")
    engine = VoiceEngine(account_sid=settings.twilio_account_sid,
                         auth_token=settings.twilio_auth_token, clock=clock,
                         routes=lambda _number: route)
    with ServedApp(create_rest_app(engine)) as rest:
        engine.media_base_url = rest.url
        call = engine.run(engine.place_call(to=to, from_=from_, script=script))
        # The recording callbacks come later, from threads of their own: this process
        # (and the emulator serving the recording) must outlive them.
        engine.recording_callbacks.drain()
        return call_json(call)


def _line_demo_caller(config_path: Path, to: str) -> str:
    """The caller the demo phone would use for this line (a running stand-in picks the
    same one itself when `from` is left out)."""
    from helpline.config import load_config

    try:
        lines = [number.number for number in load_config(config_path).numbers]
    except Exception:  # noqa: BLE001 - `helpline config check` reports a bad configuration
        lines = []
    return demo_callers([*lines, to]).get(to) or demo_caller(to)


def print_summary(report: dict[str, Any]) -> None:
    click.echo(f"{report['call_sid']}  {report['from']} → {report['to']}")
    for item in report["heard"]:
        what = item.get("text") or item.get("audio_url") or ""
        label = "/".join(filter(None, [item.get("language"), item.get("prompt_id")]))
        click.echo(f"  {item['at']:>8.1f}s  {item['verb']:<5} {label:<30} {what}")
    outcome = report["outcome"]
    click.echo(f"outcome: {outcome['kind']}"
               + (f" ({outcome.get('agent')})" if outcome.get("agent") else "")
               + f"; queue {report['queue_seconds']:.0f}s")
    for notice in report["notices"]:
        click.echo(f"notice {notice['code']}: {notice['message']}")


@click.command("call")
@click.option("--to", "to", required=True, help="The helpline number to call (E.164).")
@click.option("--from", "from_", default=None,
              help="The caller's number (fictional; shown masked). Default: the line's own "
                   "demo caller, so each line's calls come from a different caller.")
@click.option("--press", multiple=True,
              help="Keys for the next <Gather>, one option per menu, e.g. --press 1 --press 2; "
                   "1@2.5 presses 1 2.5 s into that menu's prompts, as a caller who presses "
                   "ahead does.")
@click.option("--say", "say", default=None, help="What the caller says into a recording.")
@click.option("--voice", default="en", show_default=True, help="espeak-ng voice for --say.")
@click.option("--say-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A WAV file the caller 'says' into a recording.")
@click.option("--record-end", default="#", show_default=True,
              help="How the caller ends a recording: a key, 'hangup' or 'timeout'.")
@click.option("--hangup-after", type=float, default=None,
              help="The caller hangs up this many seconds into the call.")
@click.option("--app-url", default=None,
              help="The helpline app (default PUBLIC_BASE_URL or http://127.0.0.1:5000).")
@click.option("--real-time", is_flag=True, help="In-process calls wait in real time.")
@click.option("--timeout", type=float, default=900.0, show_default=True,
              help="Give up on a call through a running stand-in after this many seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print the full JSON report.")
def call(to: str, from_: str | None, press: tuple[str, ...], say: str | None, voice: str,
         say_file: str | None, record_end: str, hangup_after: float | None,
         app_url: str | None, real_time: bool, timeout: float, as_json: bool) -> None:
    """Place a simulated call to the helpline; exit 1 if it ended in an application error."""
    if say and say_file:
        raise click.UsageError("give --say or --say-file, not both")
    for entry in press:
        try:
            parse_press(entry)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--press") from None
    settings = load_settings()
    script = CallScript(press=list(press), say_text=say, say_voice=voice, say_file=say_file,
                        record_end=record_end, hangup_after=hangup_after)
    server = running_stand_in(_stand_in_base(settings)) if app_url is None else None
    if server is not None:
        payload = {"to": to, "from": from_, "press": list(press), "say": say, "voice": voice,
                   "say_file": str(say_file) if say_file else None, "record_end": record_end,
                   "hangup_after": hangup_after}
        report = call_through_server(server, payload, timeout)
        report["via"] = server
    else:
        from_ = from_ or _line_demo_caller(settings.config_path, to)
        url = app_url or settings.public_base_url or "http://127.0.0.1:5000"
        if urlsplit(url).scheme not in {"http", "https"}:
            raise click.UsageError(f"--app-url {url!r} is not an http(s) URL")
        try:
            report = call_in_process(url, script, to, from_, real_time)
        except requests.RequestException as exc:
            raise click.ClickException(f"cannot reach {url}: {exc}") from exc
        report["via"] = "in-process"
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_summary(report)
    if report["outcome"]["kind"] == "error":
        sys.exit(1)


commands = [call]
