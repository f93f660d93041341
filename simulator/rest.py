"""The REST emulator: the part of Twilio's 2010-04-01 API the helpline uses,
shaped so twilio's own `Client` (pointed here by TWILIO_API_BASE) cannot tell it
from api.twilio.com. Responses validate against Twilio's OpenAPI description
(tests/simulator/test_contract.py).

  GET    /2010-04-01/Accounts/{AC}/Calls/{CA}.json        fetch a call
  POST   /2010-04-01/Accounts/{AC}/Calls/{CA}.json        Url+Method or Twiml: redirect the
                                                          live call; Status=completed: hang up
  DELETE /2010-04-01/Accounts/{AC}/Calls/{CA}.json        forget a finished call
  GET    /2010-04-01/Accounts/{AC}/Recordings.json        list (?CallSid=)
  GET    /2010-04-01/Accounts/{AC}/Calls/{CA}/Recordings.json
  GET    /2010-04-01/Accounts/{AC}/Recordings/{RE}.json   fetch a recording
  DELETE /2010-04-01/Accounts/{AC}/Recordings/{RE}.json   delete it (and its files)
  GET    /2010-04-01/Accounts/{AC}/Recordings/{RE}[.wav|.mp3]  media (no extension: WAV)

Every request needs HTTP Basic auth AccountSid:AuthToken (401, Twilio error 20003).
"""

from __future__ import annotations

import hmac
import time
from email.utils import formatdate
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request, send_file

from simulator.call import LiveCall, Redirection
from simulator.engine import VoiceEngine
from simulator.recordings import StoredRecording

API = "/2010-04-01/Accounts/<account_sid>"
LIVE_STATUSES = {"queued", "ringing", "in-progress"}


def rfc2822(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return formatdate(epoch, usegmt=False).replace("-0000", "+0000")


def twilio_error(status: int, code: int, message: str) -> Response:
    response = jsonify({"code": code, "message": message, "status": status,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}"})
    response.status_code = status
    return response


def call_resource(call: LiveCall, now: float) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{call.account_sid}/Calls/{call.sid}"
    duration = None
    if call.ended_at is not None:
        duration = str(int(round(call.ended_at - call.answered_at))) if call.answered_at else "0"
    return {
        "sid": call.sid, "date_created": rfc2822(call.created_at), "date_updated": rfc2822(now),
        "parent_call_sid": call.parent_call_sid, "account_sid": call.account_sid,
        "to": call.to, "to_formatted": call.to, "from": call.from_,
        "from_formatted": call.from_, "phone_number_sid": None, "status": call.status,
        "start_time": rfc2822(call.answered_at), "end_time": rfc2822(call.ended_at),
        "duration": duration, "price": None, "price_unit": "USD",
        "direction": call.direction, "answered_by": None, "api_version": "2010-04-01",
        "forwarded_from": None, "group_sid": None, "caller_name": None,
        "queue_time": "0", "trunk_sid": None, "uri": uri + ".json",
        "subresource_uris": {name: f"{uri}/{path}.json" for name, path in (
            ("notifications", "Notifications"), ("recordings", "Recordings"),
            ("payments", "Payments"), ("events", "Events"), ("siprec", "Siprec"),
            ("streams", "Streams"), ("user_defined_message_subscriptions",
                                     "UserDefinedMessageSubscriptions"),
            ("user_defined_messages", "UserDefinedMessages"))},
    }


def recording_resource(recording: StoredRecording, media_base: str,
                       now: float) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{recording.account_sid}/Recordings/{recording.sid}"
    return {
        "account_sid": recording.account_sid, "api_version": "2010-04-01",
        "call_sid": recording.call_sid, "conference_sid": None,
        "date_created": rfc2822(recording.created_at), "date_updated": rfc2822(now),
        "start_time": rfc2822(recording.start_time), "duration": str(recording.duration),
        "sid": recording.sid, "price": None, "price_unit": "USD", "status": recording.status,
        "channels": recording.channels, "source": recording.source, "error_code": None,
        "uri": uri + ".json", "encryption_details": None,
        "subresource_uris": {"add_on_results": f"{uri}/AddOnResults.json",
                             "transcriptions": f"{uri}/Transcriptions.json"},
        "media_url": media_base.rstrip("/") + uri,
    }


def make_rest_blueprint(engine: VoiceEngine) -> Blueprint:
    bp = Blueprint("twilio_rest", __name__)

    @bp.before_request
    def _authenticate_and_faults() -> Response | None:
        fault = engine.faults.take("rest", request.path)
        if fault is not None:
            if fault.kind == "timeout":
                time.sleep(fault.seconds)
            else:
                return twilio_error(fault.status, 20500, "Internal Server Error (injected)")
        auth = request.authorization
        if (auth is None or not hmac.compare_digest(auth.username or "", engine.account_sid)
                or not hmac.compare_digest(auth.password or "", engine.auth_token)):
            response = twilio_error(401, 20003, "Authenticate")
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        account_sid = (request.view_args or {}).get("account_sid")
        if account_sid != engine.account_sid:
            return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        return None

    def now() -> float:
        return engine.clock.now()

    def media_base() -> str:
        return engine.media_base_url or request.host_url

    def missing() -> Response:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")

    @bp.get(API + "/Calls/<sid>.json")
    def fetch_call(account_sid: str, sid: str) -> Any:
        call = engine.get(sid)
        return jsonify(call_resource(call, now())) if call else missing()

    @bp.post(API + "/Calls/<sid>.json")
    def update_call(account_sid: str, sid: str) -> Any:
        call = engine.get(sid)
        if call is None:
            return missing()
        form = request.form
        status = form.get("Status")
        if status is not None and status not in {"completed", "canceled"}:
            return twilio_error(400, 21218, f"Invalid call status {status!r}")
        if (form.get("Url") or form.get("Twiml") or status) and call.status not in LIVE_STATUSES:
            return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if status:
            engine.hangup(sid, by="api")
        elif form.get("Twiml"):
            engine.redirect(sid, Redirection(twiml=form["Twiml"]))
        elif form.get("Url"):
            method = form.get("Method", "POST").upper()
            if method not in {"GET", "POST"}:
                return twilio_error(400, 21205, f"Method {method!r} is not GET or POST")
            engine.redirect(sid, Redirection(url=form["Url"], method=method))
        return jsonify(call_resource(call, now()))

    @bp.delete(API + "/Calls/<sid>.json")
    def delete_call(account_sid: str, sid: str) -> Any:
        call = engine.get(sid)
        if call is None:
            return missing()
        if call.status in LIVE_STATUSES:
            return twilio_error(400, 20009, "Cannot delete a call that is in progress")
        engine.forget(sid)
        return Response(status=204)

    def recording_page(call_sid: str | None) -> dict[str, Any]:
        items = engine.recordings.list(call_sid)
        uri = request.full_path.rstrip("?")
        return {"recordings": [recording_resource(item, media_base(), now()) for item in items],
                "end": max(len(items) - 1, 0), "first_page_uri": uri, "next_page_uri": None,
                "page": 0, "page_size": 50, "previous_page_uri": None, "start": 0, "uri": uri}

    @bp.get(API + "/Recordings.json")
    def list_recordings(account_sid: str) -> Any:
        return jsonify(recording_page(request.args.get("CallSid")))

    @bp.get(API + "/Calls/<call_sid>/Recordings.json")
    def list_call_recordings(account_sid: str, call_sid: str) -> Any:
        return jsonify(recording_page(call_sid))

    @bp.route(API + "/Recordings/<name>", methods=["GET", "DELETE"])
    def recording(account_sid: str, name: str) -> Any:
        sid, dot, extension = name.partition(".")
        stored = engine.recordings.get(sid)
        if stored is None or (dot and extension not in {"json", "wav", "mp3"}):
            return missing()
        if request.method == "DELETE":
            if extension != "json":
                return missing()
            engine.recordings.delete(sid)
            return Response(status=204)
        if extension == "json":
            return jsonify(recording_resource(stored, media_base(), now()))
        if extension == "mp3":
            return send_file(stored.mp3_path, mimetype="audio/mpeg")
        return send_file(stored.wav_path, mimetype="audio/x-wav")

    return bp


def create_rest_app(engine: VoiceEngine) -> Flask:
    app = Flask("simulator.rest")
    app.register_blueprint(make_rest_blueprint(engine))
    return app
