"""The REST emulator: the part of Twilio's 2010-04-01 API the helpline uses,
shaped so twilio's own `Client` (pointed here by TWILIO_API_BASE) cannot tell it
from api.twilio.com. Responses validate against Twilio's OpenAPI description
(tests/simulator/test_contract.py).

  POST   /2010-04-01/Accounts/{AC}/Calls.json             place a call (To, From, Url or Twiml,
                                                          Method, StatusCallback, Timeout)
  GET    /2010-04-01/Accounts/{AC}/Calls.json             list (?ParentCallSid= &Status= &To=)
  GET    /2010-04-01/Accounts/{AC}/Calls/{CA}.json        fetch a call
  POST   /2010-04-01/Accounts/{AC}/Calls/{CA}.json        Url+Method or Twiml: redirect the
                                                          live call; Status=completed: hang up
  DELETE /2010-04-01/Accounts/{AC}/Calls/{CA}.json        forget a finished call
  GET    /2010-04-01/Accounts/{AC}/Recordings.json        list, newest first (?CallSid=
                                                          &ConferenceSid= &DateCreated= / < / >
                                                          &PageSize= &Page=: next_page_uri)
  GET    /2010-04-01/Accounts/{AC}/Calls/{CA}/Recordings.json
  GET    /2010-04-01/Accounts/{AC}/Conferences/{CF}/Recordings.json
  GET    /2010-04-01/Accounts/{AC}/Recordings/{RE}.json   fetch a recording
  DELETE /2010-04-01/Accounts/{AC}/Recordings/{RE}.json   delete it (and its files)
  GET    /2010-04-01/Accounts/{AC}/Recordings/{RE}[.wav|.mp3]  media (no extension: WAV)
  /2010-04-01/Accounts/{AC}/Conferences[...]            conferences and participants:
                                                          `conference_api`

Every request needs HTTP Basic auth AccountSid:AuthToken (401, Twilio error 20003).
Every request that reaches it is logged in `engine.rest_log` (`rest_log.py`).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, request, send_file

from simulator.call import LiveCall, Redirection
from simulator.recordings import StoredRecording
from simulator.rest.log import RestRequest

if TYPE_CHECKING:
    from simulator.engine import VoiceEngine

API = "/2010-04-01/Accounts/<account_sid>"
LIVE_STATUSES = {"queued", "ringing", "in-progress"}
# Twilio's general API error for an HTTP status (https://www.twilio.com/docs/api/errors),
# used for injected errors that name no code of their own.
STATUS_ERRORS = {401: (20003, "Authenticate"), 403: (20403, "Forbidden"),
                 404: (20404, "The requested resource was not found"),
                 429: (20429, "Too Many Requests"), 500: (20500, "Internal Server Error"),
                 503: (20503, "Service unavailable")}


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
        "call_sid": recording.call_sid, "conference_sid": recording.conference_sid,
        "date_created": rfc2822(recording.created_at), "date_updated": rfc2822(now),
        "start_time": rfc2822(recording.start_time), "duration": str(recording.duration),
        "sid": recording.sid, "price": None, "price_unit": "USD", "status": recording.status,
        "channels": recording.channels, "source": recording.source, "error_code": None,
        "uri": uri + ".json", "encryption_details": None,
        "subresource_uris": {"add_on_results": f"{uri}/AddOnResults.json",
                             "transcriptions": f"{uri}/Transcriptions.json"},
        "media_url": media_base.rstrip("/") + uri,
    }


def page(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page holding everything (the stand-in never has more than a page's worth)."""
    uri = request.full_path.rstrip("?")
    return {key: items, "end": max(len(items) - 1, 0), "first_page_uri": uri,
            "next_page_uri": None, "page": 0, "page_size": max(len(items), 50),
            "previous_page_uri": None, "start": 0, "uri": uri}


def _instant(raw: str, name: str) -> tuple[float, bool]:
    """(epoch, whether only a date was given) of a DateCreated filter's value."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day.timestamp(), True
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} {raw!r} is not a date (YYYY-MM-DD) or a date-time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp(), False


def date_filter(args: Mapping[str, str]) -> Callable[[float], bool]:
    """The DateCreated filters of a list request, as a test on a resource's created time."""
    tests: list[Callable[[float], bool]] = []
    if "DateCreated" in args:
        start, _ = _instant(args["DateCreated"], "DateCreated")
        start -= start % 86400
        tests.append(lambda at: start <= at < start + 86400)
    if "DateCreated>" in args:
        after, _ = _instant(args["DateCreated>"], "DateCreated>")
        tests.append(lambda at: at >= after)
    if "DateCreated<" in args:
        before, day_only = _instant(args["DateCreated<"], "DateCreated<")
        if day_only:
            tests.append(lambda at: at < before + 86400)
        else:
            tests.append(lambda at: at <= before)
    return lambda at: all(test(at) for test in tests)


def make_rest_blueprint(engine: VoiceEngine) -> Blueprint:
    bp = Blueprint("twilio_rest", __name__)

    @bp.before_request
    def _authenticate_and_faults() -> Response | None:
        fault = engine.faults.take("rest", request.path)
        if fault is not None:
            if fault.kind == "timeout":
                time.sleep(fault.seconds)
            else:
                code, message = STATUS_ERRORS.get(fault.status, (20500, "Internal Server Error"))
                return twilio_error(fault.status, fault.code or code, f"{message} (injected)")
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

    @bp.after_request
    def _log(response: Response) -> Response:
        engine.rest_log.add(RestRequest(request.method, request.path,
                                        request.form.to_dict(), response.status_code))
        return response

    def now() -> float:
        return engine.clock.now()

    def media_base() -> str:
        return engine.media_base_url or request.host_url

    def missing() -> Response:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")

    @bp.post(API + "/Calls.json")
    def create_call(account_sid: str) -> Any:
        form = request.form
        to, from_ = form.get("To", "").strip(), form.get("From", "").strip()
        url, twiml = form.get("Url"), form.get("Twiml")
        method = form.get("Method", "POST").upper()
        if not to:
            return twilio_error(400, 21201, "No 'To' number is specified")
        if not from_:
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if not url and not twiml and not form.get("ApplicationSid"):
            return twilio_error(400, 21205, "Url parameter is required.")
        if form.get("ApplicationSid") and not (url or twiml):
            return twilio_error(400, 21205, "ApplicationSid is not supported by the stand-in")
        if method not in {"GET", "POST"}:
            return twilio_error(400, 21205, f"Method {method!r} is not GET or POST")
        try:
            timeout = float(form.get("Timeout", "60"))
        except ValueError:
            return twilio_error(400, 21216, "Timeout must be a number")
        call = engine.place_outbound(
            to=to, from_=from_, url=url, method=method, twiml=twiml if not url else None,
            status_callback=form.get("StatusCallback"),
            status_callback_method=form.get("StatusCallbackMethod", "POST").upper(),
            timeout=min(max(timeout, 1.0), 600.0))
        engine.start(call)
        response = jsonify(call_resource(call, now()))
        response.status_code = 201
        return response

    @bp.get(API + "/Calls.json")
    def list_calls(account_sid: str) -> Any:
        args = request.args
        calls = sorted(engine.calls.copy().values(), key=lambda call: call.created_at,
                       reverse=True)
        wanted = [call for call in calls
                  if args.get("ParentCallSid") in (None, call.parent_call_sid)
                  and args.get("Status") in (None, call.status)
                  and args.get("To") in (None, call.to)
                  and args.get("From") in (None, call.from_)]
        return jsonify(page("calls", [call_resource(call, now()) for call in wanted]))

    # Conferences and their participants: their own module (imported here, not at the
    # top, because it uses this module's error and page shapes).
    from simulator.rest import conference_api

    conference_api.register(bp, engine)

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

    def recording_page(call_sid: str | None = None,
                       conference_sid: str | None = None) -> Any:
        """One page of recordings, newest first, filtered and paged as Twilio's list:
        DateCreated (a day), DateCreated> (on or after), DateCreated< (on or before;
        a bare date covers that whole day), PageSize (default 50, at most 1000), Page;
        next_page_uri names the next page while there is one."""
        args = request.args
        try:
            created = date_filter(args)
            size = int(args.get("PageSize", "50"))
            number = int(args.get("Page", "0"))
        except ValueError as exc:
            return twilio_error(400, 20001, str(exc))
        if not 1 <= size <= 1000 or number < 0:
            return twilio_error(400, 20001, "PageSize must be 1-1000 and Page at least 0")
        items = [item for item in engine.recordings.list(call_sid, conference_sid)
                 if created(item.created_at)]
        chosen = items[number * size:(number + 1) * size]
        query = [(key, value) for key, value in args.items(multi=True)
                 if key not in {"Page", "PageSize", "PageToken"}]

        def page_uri(index: int) -> str:
            return request.path + "?" + urlencode(
                [*query, ("PageSize", str(size)), ("Page", str(index))]
                + ([("PageToken", f"PA{items[index * size - 1].sid}")] if index else []))

        more = (number + 1) * size < len(items)
        return jsonify({
            "recordings": [recording_resource(item, media_base(), now()) for item in chosen],
            "end": number * size + max(len(chosen) - 1, 0), "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(number + 1) if more else None, "page": number,
            "page_size": size, "previous_page_uri": page_uri(number - 1) if number else None,
            "start": number * size, "uri": page_uri(number)})

    @bp.get(API + "/Recordings.json")
    def list_recordings(account_sid: str) -> Any:
        return recording_page(request.args.get("CallSid"), request.args.get("ConferenceSid"))

    @bp.get(API + "/Calls/<call_sid>/Recordings.json")
    def list_call_recordings(account_sid: str, call_sid: str) -> Any:
        return recording_page(call_sid=call_sid)

    @bp.get(API + "/Conferences/<conference_sid>/Recordings.json")
    def list_conference_recordings(account_sid: str, conference_sid: str) -> Any:
        return recording_page(conference_sid=conference_sid)

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
        path = stored.mp3_path if extension == "mp3" else stored.wav_path
        if not path.exists():           # a recording added without its MP3 (`add_media`)
            return missing()
        return send_file(path, mimetype="audio/mpeg" if extension == "mp3" else "audio/x-wav")

    return bp


def create_rest_app(engine: VoiceEngine) -> Flask:
    app = Flask("simulator.rest")
    app.register_blueprint(make_rest_blueprint(engine))
    return app
