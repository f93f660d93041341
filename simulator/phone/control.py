"""The stand-in's own control API (`/sim/*`, JSON): place calls, watch them, press
keys on a live call, register simulated agent phones, inject faults. Used by the
demo phone page, `helpline call` and tests that drive a running stand-in.

  GET    /sim/health                      {"ok": true, ...}
  GET    /sim/numbers                     the configured lines, each with its demo_caller
  POST   /sim/calls                       {to, from, press, say, voice, say_file, record_end,
                                           hangup_after, interactive} → 201 {call_sid};
                                          without `from`, the line's demo caller calls
  GET    /sim/calls                       recent calls (summaries)
  GET    /sim/calls/<sid>                 the call's report so far (same JSON as `helpline call`)
  POST   /sim/calls/<sid>/digits          {digits} — keys pressed on an interactive call
  POST   /sim/calls/<sid>/hangup          the caller hangs up (an agent leg: the agent does)
  GET    /sim/endpoints                   simulated agent phones and what happened to them
  POST   /sim/clients/<identity>          register a softphone, JSON body = behaviour
  DELETE /sim/clients/<identity>
  POST   /sim/clients/<identity>/answer   a manual softphone answers
  POST   /sim/clients/<identity>/hangup   the agent hangs up
  POST   /sim/phones/<number>[/answer|/hangup], DELETE /sim/phones/<number>: the same for <Number>
  GET/POST/DELETE /sim/faults             list / add a rule / clear (see faults.py):
                                          {target, kind, count, status, seconds, match, code}
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from simulator.call import CallScript
from simulator.endpoints import Behaviour
from simulator.engine import UnknownNumber, VoiceEngine
from simulator.faults import FaultError
from simulator.keypad import LiveKeypad
from simulator.phone.demo_callers import demo_caller
from simulator.report import call_json


def _error(status: int, code: str, message: str) -> Any:
    return jsonify({"error": {"code": code, "message": message}}), status


def _press_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return list(raw)
    raise ValueError("press must be a list of strings or a space-separated string")


def make_control_blueprint(engine: VoiceEngine, numbers: list[dict[str, Any]]) -> Blueprint:
    bp = Blueprint("sim_control", __name__, url_prefix="/sim")

    def _demo_caller(to: str) -> str:
        """A call placed without `from` comes from the line's own demo caller."""
        listed = next((line.get("demo_caller") for line in numbers if line["number"] == to),
                      None)
        return listed or demo_caller(to)

    @bp.get("/health")
    def health() -> Any:
        return jsonify({"ok": True, "account_sid": engine.account_sid,
                        "simulated_clock": engine.simulated, "calls": len(engine.calls)})

    @bp.get("/numbers")
    def list_numbers() -> Any:
        return jsonify({"numbers": numbers})

    @bp.post("/calls")
    def place() -> Any:
        data = request.get_json(silent=True) or {}
        to = data.get("to")
        if not isinstance(to, str) or not to:
            return _error(400, "missing_to", "give the number to call as `to`")
        try:
            script = CallScript(
                press=_press_list(data.get("press")), say_text=data.get("say"),
                say_voice=data.get("voice") or "en", say_file=data.get("say_file"),
                record_end=data.get("record_end") or "#",
                hangup_after=(float(data["hangup_after"]) if data.get("hangup_after")
                              not in (None, "") else None))
            call = engine.place_call(to=to, from_=data.get("from") or _demo_caller(to),
                                     script=script, live_keys=bool(data.get("interactive")))
        except UnknownNumber as exc:
            return _error(404, "unknown_number", str(exc))
        except (ValueError, TypeError) as exc:
            return _error(400, "bad_request", str(exc))
        engine.start(call)
        return jsonify({"call_sid": call.sid}), 201

    @bp.get("/calls")
    def list_calls() -> Any:
        calls = sorted(engine.calls.values(), key=lambda call: call.created_at, reverse=True)
        return jsonify({"calls": [{"call_sid": call.sid, "to": call.to, "status": call.status,
                                   "parent_call_sid": call.parent_call_sid}
                                  for call in calls[:100]]})

    @bp.get("/calls/<sid>")
    def show(sid: str) -> Any:
        call = engine.get(sid)
        if call is None:
            return _error(404, "unknown_call", f"no call {sid}")
        return jsonify(call_json(call))

    @bp.post("/calls/<sid>/digits")
    def digits(sid: str) -> Any:
        call = engine.get(sid)
        if call is None or call.finished:
            return _error(404, "unknown_call", f"no live call {sid}")
        if not isinstance(call.keypad, LiveKeypad):
            return _error(409, "scripted_call", "this call's keys come from its script")
        call.keypad.press(str((request.get_json(silent=True) or {}).get("digits", "")))
        return jsonify({"ok": True})

    @bp.post("/calls/<sid>/hangup")
    def hangup(sid: str) -> Any:
        if not engine.hangup(sid, by="caller"):
            return _error(404, "unknown_call", f"no live call {sid}")
        return jsonify({"ok": True})

    @bp.get("/endpoints")
    def endpoints() -> Any:
        return jsonify({"endpoints": [endpoint.to_json() for endpoint in engine.endpoints.all()]})

    def register(kind: str, address: str) -> Any:
        try:
            behaviour = Behaviour.from_json(request.get_json(silent=True) or {})
        except (ValueError, TypeError) as exc:
            return _error(400, "bad_behaviour", str(exc))
        return jsonify(engine.endpoints.register(kind, address, behaviour).to_json()), 201

    def act(kind: str, address: str, action: str) -> Any:
        if action == "answer":
            done = engine.endpoints.answer(kind, address)
        else:
            done = engine.endpoints.hangup(kind, address)
        if not done:
            return _error(409, "not_ringing" if action == "answer" else "not_on_a_call",
                          f"{kind} {address} has no call to {action}")
        return jsonify({"ok": True})

    for kind, prefix in (("client", "/clients"), ("number", "/phones")):
        def _register(address: str, kind: str = kind) -> Any:
            return register(kind, address)

        def _unregister(address: str, kind: str = kind) -> Any:
            if not engine.endpoints.unregister(kind, address):
                return _error(404, "unknown_endpoint", f"no {kind} {address}")
            return "", 204

        def _answer(address: str, kind: str = kind) -> Any:
            return act(kind, address, "answer")

        def _agent_hangup(address: str, kind: str = kind) -> Any:
            return act(kind, address, "hangup")

        bp.add_url_rule(f"{prefix}/<address>", f"register_{kind}", _register, methods=["POST"])
        bp.add_url_rule(f"{prefix}/<address>", f"unregister_{kind}", _unregister,
                        methods=["DELETE"])
        bp.add_url_rule(f"{prefix}/<address>/answer", f"answer_{kind}", _answer,
                        methods=["POST"])
        bp.add_url_rule(f"{prefix}/<address>/hangup", f"hangup_{kind}", _agent_hangup,
                        methods=["POST"])

    @bp.route("/faults", methods=["GET", "POST", "DELETE"])
    def faults() -> Any:
        if request.method == "DELETE":
            engine.faults.clear()
            return "", 204
        if request.method == "POST":
            data = request.get_json(silent=True) or {}
            try:
                rule = engine.faults.add(
                    str(data.get("target", "")), str(data.get("kind", "")),
                    count=int(data.get("count", 1)), status=int(data.get("status", 500)),
                    seconds=float(data.get("seconds", 0)), match=str(data.get("match", "")),
                    code=int(data["code"]) if data.get("code") is not None else None)
            except (FaultError, ValueError) as exc:
                return _error(400, "bad_fault", str(exc))
            return jsonify(rule.to_json()), 201
        return jsonify({"faults": [rule.to_json() for rule in engine.faults.rules()]})

    return bp
