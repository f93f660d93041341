"""The REST emulator's Conferences and Participants resources, as Twilio documents them
(https://www.twilio.com/docs/voice/api/conference-participant-resource):

  GET    /Conferences.json                      list (?FriendlyName= &Status=)
  GET    /Conferences/{CF}.json                 fetch
  POST   /Conferences/{CF}.json                 Status=completed ends it; AnnounceUrl
                                                plays to everyone inside
  GET    /Conferences/{CF}/Participants.json    who is inside now
  POST   /Conferences/{CF or name}/Participants.json
                                                dial a new leg (To, From) into the room:
                                                Muted, Coaching + CallSidToCoach, Label,
                                                StartConferenceOnEnter, EndConferenceOnExit,
                                                StatusCallback, Timeout, ConferenceRecord,
                                                ConferenceRecordingStatusCallback
  GET    /Conferences/{CF}/Participants/{CA or label}.json
  POST   /Conferences/{CF}/Participants/{CA or label}.json
                                                Muted, Hold + HoldUrl/HoldMethod,
                                                AnnounceUrl/AnnounceMethod, Coaching +
                                                CallSidToCoach, EndConferenceOnExit
  DELETE /Conferences/{CF}/Participants/{CA or label}.json   kick (204)

A participant that is not inside the conference now is 404 (Twilio's resource holds
no history). Holding fetches HoldUrl (GET by default, Twilio's default) and the
participant hears what it holds: the audio file, or the <Play>/<Say> of its TwiML;
with no HoldUrl, Twilio's own hold music. Each change is noted in the room's
`timeline` of who hears whom (`simulator.conferences`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Response, jsonify, request

from simulator.call import Heard
from simulator.conferences import REMOVED_SIGNAL, Conference, Participant
from simulator.voice import twiml as parse_twiml
from simulator.voice.document import TWILIO_HOLD_MUSIC

if TYPE_CHECKING:
    from simulator.engine import VoiceEngine

API = "/2010-04-01/Accounts/<account_sid>"
TRUE = {"true", "True", "1"}
CONFERENCE_RECORD_ON = {"true", "record-from-start"}


def _flag(value: str | None) -> bool | None:
    """Twilio: `true` is true and anything else false; absent is no change."""
    return None if value is None else value.strip() in TRUE


def conference_resource(conference: Conference, now: float) -> dict[str, Any]:
    from simulator.rest.api import rfc2822

    uri = f"/2010-04-01/Accounts/{conference.account_sid}/Conferences/{conference.sid}"
    return {
        "account_sid": conference.account_sid, "date_created": rfc2822(conference.created_at),
        "date_updated": rfc2822(conference.updated_at or now), "api_version": "2010-04-01",
        "friendly_name": conference.name, "region": "us1", "sid": conference.sid,
        "status": conference.status, "uri": uri + ".json",
        "subresource_uris": {"participants": f"{uri}/Participants.json",
                             "recordings": f"{uri}/Recordings.json"},
        "reason_conference_ended": conference.reason_ended,
        "call_sid_ending_conference": conference.call_sid_ending,
    }


def participant_resource(participant: Participant, account_sid: str,
                         now: float) -> dict[str, Any]:
    from simulator.rest.api import rfc2822

    uri = (f"/2010-04-01/Accounts/{account_sid}/Conferences/{participant.conference_sid}"
           f"/Participants/{participant.call_sid}.json")
    return {
        "account_sid": account_sid, "call_sid": participant.call_sid,
        "label": participant.label, "call_sid_to_coach": participant.call_sid_to_coach,
        "coaching": participant.coaching, "conference_sid": participant.conference_sid,
        "date_created": rfc2822(participant.joined_at),
        "date_updated": rfc2822(participant.left_at or participant.updated_at
                                or participant.joined_at),
        "end_conference_on_exit": participant.end_conference_on_exit,
        "muted": participant.muted, "hold": participant.hold,
        "start_conference_on_enter": participant.start_conference_on_enter,
        "status": participant.status, "queue_time": None, "uri": uri,
    }


def play_to(engine: VoiceEngine, participant: Participant, url: str, method: str,
            purpose: str) -> list[Heard]:
    """Fetch hold or announcement audio for `participant` and note what they hear: an
    audio file is played; a TwiML document's <Play> and <Say> are."""
    call = participant.call
    at = max(engine.clock.now() - call.created_at, 0.0)
    heard: list[Heard] = []
    if url == TWILIO_HOLD_MUSIC:       # Twilio's own file: nothing of the app's to fetch
        heard.append(Heard("play", audio_url=url, at=at))
        call.heard.extend(heard)
        return heard
    params = {**call.params(), "ConferenceSid": participant.conference_sid}
    response = engine.http.send(call, purpose, url, method, params)
    if not response.ok:
        return heard
    if "xml" in response.content_type or response.body.lstrip().startswith(b"<"):
        try:
            verbs = parse_twiml.parse(response.body)
        except parse_twiml.TwimlError:
            return heard
        for verb in verbs:
            if isinstance(verb, parse_twiml.Play):
                heard.append(Heard("play", audio_url=verb.url, at=at))
            elif isinstance(verb, parse_twiml.Say):
                heard.append(Heard("say", text=verb.text, language=verb.language, at=at))
    else:
        heard.append(Heard("play", audio_url=url, at=at))
    # A REST thread writes the call's log here; list appends are atomic in CPython.
    call.heard.extend(heard)
    participant.call.extra.setdefault(f"{purpose}_heard", []).extend(heard)
    return heard


def _later(target: Any, *args: Any) -> None:
    # Twilio answers the REST request first and fetches the audio after.
    threading.Thread(target=target, args=args, daemon=True, name="conference-audio").start()


def conference_twiml(name: str, form: Any) -> str:
    """The TwiML a created participant's leg runs once answered: join `name` as asked."""
    attributes = {
        "startConferenceOnEnter": "false" if form.get("StartConferenceOnEnter") == "false"
        else "true",
        "endConferenceOnExit": "true" if _flag(form.get("EndConferenceOnExit")) else "false",
        "muted": "true" if _flag(form.get("Muted")) else "false",
        "beep": form.get("Beep", "true"),
    }
    if form.get("Label"):
        attributes["participantLabel"] = form["Label"]
    if form.get("CallSidToCoach") and _flag(form.get("Coaching", "true")):
        attributes["coach"] = form["CallSidToCoach"]
    if form.get("ConferenceRecord") in CONFERENCE_RECORD_ON:
        attributes["record"] = "record-from-start"
        for source, target in (("ConferenceRecordingStatusCallback", "recordingStatusCallback"),
                               ("ConferenceRecordingStatusCallbackMethod",
                                "recordingStatusCallbackMethod"),
                               ("ConferenceRecordingStatusCallbackEvent",
                                "recordingStatusCallbackEvent")):
            if form.get(source):
                attributes[target] = " ".join(form.getlist(source))
    for source, target in (("ConferenceStatusCallback", "statusCallback"),
                           ("ConferenceStatusCallbackMethod", "statusCallbackMethod"),
                           ("ConferenceStatusCallbackEvent", "statusCallbackEvent")):
        if form.get(source):
            attributes[target] = " ".join(form.getlist(source))
    rendered = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
    return (f"<Response><Dial><Conference {rendered}>{escape(name)}</Conference></Dial>"
            "</Response>")


def register(bp: Blueprint, engine: VoiceEngine) -> None:
    from simulator.rest.api import page, twilio_error

    def now() -> float:
        return engine.clock.now()

    def missing() -> Response:
        return twilio_error(404, 20404, f"The requested resource {request.path} was not found")

    def live_conference(sid: str) -> Conference | None:
        room = engine.conferences.get(sid)
        return room if room is not None and room.status != "completed" else None

    @bp.get(API + "/Conferences.json")
    def list_conferences(account_sid: str) -> Any:
        args = request.args
        rooms = [room for room in engine.conferences.all()
                 if args.get("FriendlyName") in (None, room.name)
                 and args.get("Status") in (None, room.status)]
        rooms.sort(key=lambda room: room.created_at, reverse=True)
        return jsonify(page("conferences", [conference_resource(room, now()) for room in rooms]))

    @bp.get(API + "/Conferences/<sid>.json")
    def fetch_conference(account_sid: str, sid: str) -> Any:
        room = engine.conferences.get(sid)
        return jsonify(conference_resource(room, now())) if room else missing()

    @bp.post(API + "/Conferences/<sid>.json")
    def update_conference(account_sid: str, sid: str) -> Any:
        room = engine.conferences.get(sid)
        if room is None:
            return missing()
        form = request.form
        status = form.get("Status")
        if status is not None and status != "completed":
            return twilio_error(400, 20001, f"Invalid conference status {status!r}")
        if form.get("AnnounceUrl") and room.status != "completed":
            method = form.get("AnnounceMethod", "POST").upper()
            for participant in engine.conferences.participants(sid):
                _later(play_to, engine, participant, form["AnnounceUrl"], method, "announce")
        if status == "completed":
            for participant in engine.conferences.end(room, now()):
                participant.call.control.signal(REMOVED_SIGNAL)
        return jsonify(conference_resource(room, now()))

    @bp.get(API + "/Conferences/<sid>/Participants.json")
    def list_participants(account_sid: str, sid: str) -> Any:
        if engine.conferences.get(sid) is None:
            return missing()
        args = request.args
        wanted = [participant for participant in engine.conferences.participants(sid)
                  if _flag(args.get("Muted")) in (None, participant.muted)
                  and _flag(args.get("Hold")) in (None, participant.hold)
                  and _flag(args.get("Coaching")) in (None, participant.coaching)]
        return jsonify(page("participants", [
            participant_resource(participant, engine.account_sid, now())
            for participant in wanted]))

    @bp.post(API + "/Conferences/<sid>/Participants.json")
    def create_participant(account_sid: str, sid: str) -> Any:
        form = request.form
        to, from_ = form.get("To", "").strip(), form.get("From", "").strip()
        if not to:
            return twilio_error(400, 21201, "No 'To' number is specified")
        if not from_:
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if sid.startswith("CF"):
            room = live_conference(sid)
            if room is None:
                return missing()
        else:   # a friendly name: that room, made now if it does not exist yet
            room = engine.conferences.ensure(account_sid=engine.account_sid, name=sid,
                                             now=now())
        coach = form.get("CallSidToCoach")
        if _flag(form.get("Coaching")) and not coach:
            return twilio_error(400, 20001, "CallSidToCoach is required when Coaching is true")
        if coach:
            coached = engine.conferences.find_participant(room.sid, coach)
            if coached is None:
                return twilio_error(400, 20001, f"CallSidToCoach {coach} is not in the "
                                                "conference")
            if coached.hold:
                return twilio_error(400, 16027, "The participant to be whispered is on hold")
        try:
            timeout = float(form.get("Timeout", "60"))
        except ValueError:
            return twilio_error(400, 21216, "Timeout must be a number")
        call = engine.place_outbound(
            to=to, from_=form.get("CallerId") or from_,
            twiml=conference_twiml(room.name, form),
            status_callback=form.get("StatusCallback"),
            status_callback_method=form.get("StatusCallbackMethod", "POST").upper(),
            timeout=min(max(timeout, 5.0), 600.0))
        engine.start(call)
        pending = Participant(call=call, conference_sid=room.sid, joined_at=now(),
                              start_conference_on_enter=form.get("StartConferenceOnEnter")
                              != "false",
                              end_conference_on_exit=bool(_flag(form.get("EndConferenceOnExit"))),
                              muted=bool(_flag(form.get("Muted"))), label=form.get("Label"),
                              status="queued", coaching=bool(coach), call_sid_to_coach=coach)
        response = jsonify(participant_resource(pending, engine.account_sid, now()))
        response.status_code = 201
        return response

    @bp.get(API + "/Conferences/<sid>/Participants/<key>.json")
    def fetch_participant(account_sid: str, sid: str, key: str) -> Any:
        found = engine.conferences.find_participant(sid, key)
        if found is None:
            return missing()
        return jsonify(participant_resource(found, engine.account_sid, now()))

    @bp.post(API + "/Conferences/<sid>/Participants/<key>.json")
    def update_participant(account_sid: str, sid: str, key: str) -> Any:
        found = engine.conferences.find_participant(sid, key)
        if found is None:
            return missing()
        form = request.form
        changes: dict[str, Any] = {}
        for field, name in (("Muted", "muted"), ("Hold", "hold"),
                            ("EndConferenceOnExit", "end_conference_on_exit")):
            value = _flag(form.get(field))
            if value is not None:
                changes[name] = value
        coaching = _flag(form.get("Coaching"))
        coach = form.get("CallSidToCoach")
        if coaching is True or (coaching is None and coach):
            target = coach or found.call_sid_to_coach
            if not target:
                return twilio_error(400, 20001, "CallSidToCoach is required when Coaching "
                                                "is true")
            coached = engine.conferences.find_participant(sid, target)
            if coached is None:
                return twilio_error(400, 20001, f"CallSidToCoach {target} is not in the "
                                                "conference")
            if coached.hold:
                return twilio_error(400, 16027, "The participant to be whispered is on hold")
            changes.update(coaching=True, call_sid_to_coach=target)
        elif coaching is False:
            changes.update(coaching=False, call_sid_to_coach=None)
        hold_starts = changes.get("hold") is True and not found.hold
        if changes.get("hold") is True:
            changes["hold_url"] = form.get("HoldUrl") or TWILIO_HOLD_MUSIC
        elif changes.get("hold") is False:
            changes["hold_url"] = None
        if changes:
            engine.conferences.update(found, now(), **changes)
        if hold_starts:
            method = form.get("HoldMethod", "GET").upper()
            _later(play_to, engine, found, changes["hold_url"], method, "hold")
        if form.get("AnnounceUrl"):
            method = form.get("AnnounceMethod", "POST").upper()
            _later(play_to, engine, found, form["AnnounceUrl"], method, "announce")
        return jsonify(participant_resource(found, engine.account_sid, now()))

    @bp.delete(API + "/Conferences/<sid>/Participants/<key>.json")
    def delete_participant(account_sid: str, sid: str, key: str) -> Any:
        found = engine.conferences.find_participant(sid, key)
        if found is None or not engine.conferences.remove(found):
            return missing()
        found.call.control.signal(REMOVED_SIGNAL)
        return Response(status=204)
