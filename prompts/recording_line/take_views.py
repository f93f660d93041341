"""The recording line from the beep to Keep: `<Record>`, the take handed to an rq job
(fetched from Twilio, processed, Twilio's copy deleted), the call waiting with short
pauses, the processed take played back (`/prompts/takes/<token>.wav`), and Keep (a
draft by the signed-in staff member) or Record again."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, send_file, url_for
from werkzeug.wrappers import Response

from agent_console.models import StaffUser
from agent_console.prompt_audio import CLIPPED, NOT_AUDIO, SILENT, TOO_LONG, TOO_SHORT
from helpline.services import services
from helpline.twilio_auth import twilio_request
from prompts import store as prompt_store
from prompts.recording_line import calls, domain, takes
from prompts.recording_line.jobs import FETCH_FAILED, enqueue_take, takes_folder
from prompts.recording_list import find, next_unrecorded

bp = Blueprint("recording_line_takes", __name__)

POLLS = 20                 # waits of POLL_SECONDS for the take's processing
POLL_SECONDS = 2
SPOKEN_REFUSALS = {
    SILENT: "Nothing could be heard in that recording.",
    CLIPPED: "That recording was too loud and distorted. Hold the phone a little "
             "further away.",
    TOO_SHORT: "That recording was too short.",
    TOO_LONG: "That recording was too long. A prompt may be at most thirty seconds.",
    NOT_AUDIO: "That recording could not be read.",
    FETCH_FAILED: "That recording could not be fetched.",
}


@bp.post("/twilio/recording-line/record")
@twilio_request
def record() -> Response:
    line = calls.configured_line()
    _, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    item = find(calls.items_in(language), request.args.get("take"))
    if item is None:
        return calls.twiml(calls.new_reply().redirect(
            url_for("recording_line.menu", lang=language)))
    return calls.twiml(calls.new_reply()
                  .say("Speak after the beep. Press the hash key when you have finished.")
                  .record(url_for("recording_line_takes.recorded", lang=language, take=item.key),
                          max_length=line.max_take_seconds)
                  # Twilio goes on here only when nothing was recorded.
                  .say("Nothing was recorded.")
                  .redirect(calls.prompt_url(language, item.key)))


@bp.post("/twilio/recording-line/recorded")
@twilio_request
def recorded() -> Response:
    staff, language, refused = calls.signed_in_or_again()
    if refused is not None or not language:
        return refused or calls.again(calls.new_reply())
    item = find(calls.items_in(language), request.args.get("take"))
    recording_sid = request.form.get("RecordingSid", "")
    if item is None or not recording_sid.startswith("RE"):
        return calls.twiml(calls.new_reply().say("Nothing was recorded.").redirect(
            url_for("recording_line.menu", lang=language)))
    take = takes.save(calls.redis_client(), takes.Take(
        token=takes.new_token(), call_sid=request.form.get("CallSid", ""),
        staff_id=staff.id, language=language, prompt_id=item.prompt_id,
        variant=item.variant, recording_sid=recording_sid))
    enqueue_take(services(), take.token)
    return calls.twiml(calls.new_reply().say("One moment.").redirect(
        url_for("recording_line_takes.take", token=take.token, n=0)))


def _own_take(staff: StaffUser) -> takes.Take | None:
    take = takes.load(calls.redis_client(), request.args.get("token", ""))
    if take is None or take.staff_id != staff.id \
            or take.call_sid != request.form.get("CallSid"):
        return None
    return take


@bp.post("/twilio/recording-line/take")
@twilio_request
def take() -> Response:
    staff, _, refused = calls.signed_in_or_again()
    if refused is not None:
        return refused
    found, reply = _own_take(staff), calls.new_reply()
    if found is None:
        return calls.again(reply)
    back = _prompt_url_for(found)
    if found.status == takes.PENDING:
        polls = request.args.get("n", "0")
        n = int(polls) + 1 if polls.isdigit() else POLLS
        if n >= POLLS:
            return calls.twiml(reply.say("The recording could not be processed. Please record "
                                    "it again.").redirect(back))
        return calls.twiml(reply.pause(POLL_SECONDS).redirect(
            url_for("recording_line_takes.take", token=found.token, n=n)))
    if found.status == takes.REFUSED:
        takes.forget(calls.redis_client(), takes_folder(services()), found.token)
        return calls.twiml(reply.say(SPOKEN_REFUSALS.get(found.refusal, "That recording could "
                                                    "not be used."), "Please record it again.")
                      .redirect(back))
    decide = url_for("recording_line_takes.decide", token=found.token)
    audio = url_for("recording_line_takes.take_audio", token=found.token)

    def fill(gather: Any) -> None:
        reply.say("Your recording:", into=gather)
        reply.play(audio, into=gather)
        reply.say("To keep it, press 1. To record it again, press 2. To hear it again, "
                  "press 3.", into=gather)

    # Unanswered: the take is not kept (Keep is a choice), and the line moves on.
    return calls.twiml(reply.gather(decide, num_digits=1, fill=fill).redirect(
        calls.idle_menu(found.language)))


def _prompt_url_for(found: takes.Take) -> str:
    return url_for("recording_line.prompt", lang=found.language, take=found.key)


@bp.post("/twilio/recording-line/decide")
@twilio_request
def decide() -> Response:
    staff, _, refused = calls.signed_in_or_again()
    if refused is not None:
        return refused
    found, reply = _own_take(staff), calls.new_reply()
    if found is None or found.status != takes.READY:
        return calls.again(reply)
    nxt = domain.take_key(request.form.get("Digits", ""), found.key)
    folder = takes_folder(services())
    if nxt.step == "take_again":
        return calls.twiml(reply.redirect(url_for("recording_line_takes.take",
                                                  token=found.token, n=0)))
    if nxt.step != "keep":
        takes.forget(calls.redis_client(), folder, found.token)
        return calls.follow(reply, nxt, found.language)
    wav = takes.path(folder, found.token).read_bytes()
    db = services().db.scoped()
    prompt_store.add_recording(db, recordings_dir=calls.prompt_resolver().recordings_dir,
                               language=found.language, prompt_id=found.prompt_id,
                               variant=found.variant, wav=wav, seconds=found.seconds,
                               source="phone", recorded_by_id=staff.id)
    db.commit()
    takes.forget(calls.redis_client(), folder, found.token)
    from prompts.views import prompts_changed  # prompts.views wires this module in

    prompts_changed()
    following = next_unrecorded(calls.items_in(found.language), after=found.key)
    reply.say("Kept. Callers hear it once a reviewer approves it.")
    if following is None:
        return calls.twiml(reply.say("Every prompt of this language is recorded.").redirect(
            url_for("recording_line.menu", lang=found.language)))
    return calls.twiml(reply.redirect(calls.prompt_url(found.language, following.key)))


@bp.get("/prompts/takes/<token>.wav")
def take_audio(token: str) -> Response:
    """A processed take, for Twilio to play back. No signature (Twilio fetches <Play>
    media unsigned): the token is random, lives an hour and names staff audio only."""
    found = takes.load(calls.redis_client(), token)
    if found is None or found.status != takes.READY:
        abort(404)
    path = takes.path(takes_folder(services()), token)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)
