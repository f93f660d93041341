"""Routing as the rest of the app uses it: the engine plus the database, Twilio and pub/sub.

The engine decides and commits in Redis; this layer writes each presence change
to `AgentStateChange`, keeps the call's timeline in the database, publishes
live events, and moves the caller's call with Twilio's REST API (bridging,
transfers, the interpreter conference).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from call_routing import callbacks, liveness, policy, store
from call_routing.engine import CallStatus, Offer, QueueChanged, RoutingEngine, Transition
from call_routing.errors import (
    CALL_NOT_FOUND,
    CALLBACK_NOT_OPEN,
    NO_OFFER,
    NOT_YOUR_CALL,
    NOT_YOUR_LANGUAGE,
    OFFER_GONE,
    STAFF_NOT_FOUND,
    TWILIO_FAILED,
    RoutingError,
)
from call_routing.ghosts import remove_ghosts
from call_routing.live import LIVE_CHANNEL, live_event
from call_routing.policy import Rules
from call_routing.reconcile import reconcile
from call_routing.voicemails import queue_voicemails
from helpline.services import Services
from ivr.models import CallbackRequest

log = logging.getLogger("helpline.routing")

BRIDGE_PATH = "/twilio/voice/bridge"
BRIDGE_ENDED_PATH = "/twilio/voice/bridge/ended"
CONFERENCE_PATH = "/twilio/voice/bridge/conference"
INTERPRETER_STATUS_PATH = "/twilio/voice/bridge/interpreter/status"
# An agent dialled into the conference has accepted on screen: their phone should
# pick up within this (Twilio's own default is 60 s of ringing into the void).
AGENT_RING_SECONDS = 20
RECORDING_STATUS_PATH = "/twilio/recordings/status"
WAIT_LOOP_PATH = "/twilio/voice/queue/wait"     # the IVR's hold loop (ivr.views)


@dataclass(frozen=True)
class Accepted:
    """What an agent took on by accepting an offer."""

    call_sid: str              # a RecordingSid for a voicemail
    kind: str                  # call / callback / voicemail / transfer / interpreter
    ticket_id: int | None = None        # a voicemail's ticket, now the agent's
    recording_id: int | None = None

    @property
    def callback(self) -> bool:
        return self.kind == policy.CALLBACK


def client_identity(agent_id: int) -> str:
    """The Twilio Client identity an agent's browser registers with."""
    return f"agent-{agent_id}"


def build_engine(svc: Services, listener: Any = None) -> RoutingEngine:
    config = svc.config
    return RoutingEngine(
        svc.require_redis(),
        # The policy keeps its own copy of the rules so it never imports the config
        # loader; same field names, so a new rule cannot be passed in the wrong place.
        rules=Rules(**asdict(config.routing)),
        dialect_parents={code: lang.parent for code, lang in config.languages.items()
                         if lang.parent},
        languages=tuple(config.languages),
        clock=svc.clock,
        reservation_timeout=config.queue.reservation_timeout_seconds,
        wrap_up_seconds=config.queue.wrap_up_seconds,
        listener=listener,
    )


class RoutingService:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.engine = build_engine(svc, listener=self._on_engine_event)

    # ------------------------------------------------------------------ events

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.svc.clock.now(), UTC)

    def _on_engine_event(self, event: Transition | QueueChanged) -> None:
        if isinstance(event, Transition):
            try:
                with self.svc.db.session() as session:
                    store.record_state_change(
                        session, agent_id=event.agent_id, state=event.state,
                        reason=event.reason, at=datetime.fromtimestamp(event.at, UTC))
            except Exception:  # noqa: BLE001 - reporting must never block routing
                log.exception("could not record state change of agent %s", event.agent_id)
        try:
            self.engine.redis.publish(LIVE_CHANNEL, json.dumps(live_event(event, self.engine)))
        except Exception:  # noqa: BLE001
            log.exception("could not publish a live event")

    # ------------------------------------------------------------------ presence

    def set_state(self, agent_id: int, state: str, reason: str | None = None) -> dict[str, Any]:
        with self.svc.db.session() as session:
            skills = store.staff_skills(session, agent_id)
        if skills is None:
            raise RoutingError(STAFF_NOT_FOUND, "no such active staff member")
        self.engine.set_presence(agent_id, state, reason, skills=skills)
        return self.engine.agent(agent_id)

    def wrap_up_done(self, agent_id: int) -> dict[str, Any]:
        self.engine.wrap_up_done(agent_id)
        return self.engine.agent(agent_id)

    # ------------------------------------------------------------------ offers

    def accept(self, agent_id: int, base_url: str) -> Accepted:
        """Take the offer: a call is bridged to the agent; a callback rings the agent, then
        the caller (nothing to bridge: nobody is on the line); a voicemail and its ticket
        become the agent's (they wrap up to deal with it); an interpreter joins the call's
        conference."""
        offer = self.engine.offer_for(agent_id)
        if offer is None:
            raise RoutingError(NO_OFFER, "nothing is being offered to you")
        if offer.kind == "interpreter":
            self._join_as_interpreter(offer, base_url)
            return Accepted(offer.call_sid, offer.kind)
        waited = self.engine.accept(agent_id, offer.call_sid)
        if offer.kind == policy.VOICEMAIL:
            return self._take_voicemail(offer.call_sid, agent_id)
        with self.svc.db.session() as session:
            store.mark_answered(session, offer.call_sid, agent_id=agent_id, at=self._now(),
                                waited_seconds=waited)
        if offer.callback:
            self._start_callback(offer.call_sid, agent_id, base_url)
            return Accepted(offer.call_sid, offer.kind)
        try:
            self.svc.twilio.calls(offer.call_sid).update(url=base_url + BRIDGE_PATH,
                                                         method="POST")
        except Exception as exc:  # noqa: BLE001 - any Twilio failure: see which kind
            if self._caller_gone(offer.call_sid, exc):
                # Offered again, this entry would fail again, for ever: it leaves now.
                log.info("call %s had ended before its bridge; taken out of the queue",
                         offer.call_sid)
                gone_agent = self.engine.bridge_gone(offer.call_sid)
                if gone_agent is not None:   # None: its status callback came meanwhile
                    with self.svc.db.session() as session:
                        store.mark_gone(session, offer.call_sid, at=self._now(),
                                        why="bridge_refused", agent_id=gone_agent)
                raise RoutingError(OFFER_GONE, "the caller hung up before they could be "
                                               "connected") from exc
            log.warning("bridging call %s failed: %s", offer.call_sid, type(exc).__name__)
            self.bridge_failed(offer.call_sid, agent_missed=False, why="bridge_not_started")
            raise RoutingError(TWILIO_FAILED, "the caller could not be connected; they keep "
                                              "their place in the queue") from exc
        return Accepted(offer.call_sid, offer.kind)

    def _take_voicemail(self, recording_sid: str, agent_id: int) -> Accepted:
        # The work item is done once taken on: the agent wraps up, time to listen and act.
        self.engine.finish_call(recording_sid)
        with self.svc.db.session() as session:
            taken = store.take_voicemail(session, recording_sid, agent_id=agent_id,
                                         at=self._now())
        if taken is None:
            return Accepted(recording_sid, policy.VOICEMAIL)
        return Accepted(recording_sid, policy.VOICEMAIL, ticket_id=taken.ticket_id,
                        recording_id=taken.recording_id)

    def _caller_gone(self, call_sid: str, exc: Exception) -> bool:
        """Did the redirect fail because the call is over? Twilio's error says so (404,
        21220), or says nothing (5xx, timeout: no), or the call's own status settles it."""
        verdict = liveness.redirect_failure(*liveness.error_facts(exc))
        if verdict == liveness.ASK:
            return liveness.call_has_ended(self.svc.twilio, call_sid) is True
        return verdict == liveness.GONE

    def decline(self, agent_id: int) -> None:
        offer = self.engine.offer_for(agent_id)
        if offer is None:
            raise RoutingError(NO_OFFER, "nothing is being offered to you")
        self.engine.decline(agent_id, offer.call_sid)

    # ------------------------------------------------------------------ bridge outcomes

    def bridge_ended(self, call_sid: str, how: str) -> None:
        self.engine.finish_call(call_sid)
        with self.svc.db.session() as session:
            store.mark_ended(session, call_sid, at=self._now(), how=how)

    def bridge_failed(self, call_sid: str, *, agent_missed: bool = True,
                      why: str = "agent_did_not_answer") -> None:
        agent_id = self.engine.bridge_failed(call_sid, agent_missed=agent_missed)
        with self.svc.db.session() as session:
            store.mark_returned_to_queue(session, call_sid, agent_id=agent_id, why=why,
                                         at=self._now())

    def remove_gone(self, call_sid: str, *, why: str, callback: bool = False) -> bool:
        """Take out a waiting or offered entry whose caller is gone (or, for a callback
        request, whose request is closed); an agent it was offered to is free again.
        False if it had moved on meanwhile (answered, or left by itself)."""
        reason = "callback_closed" if callback else "gone"
        if self.engine.leave(call_sid, reason, only_queued=True) == "absent":
            return False
        with self.svc.db.session() as session:
            if callback:
                store.mark_event(session, call_sid, "queue_left", {"reason": reason},
                                 self._now())
            else:
                store.mark_gone(session, call_sid, at=self._now(), why=why)
        return True

    def hang_up(self, call_sid: str, agent_id: int, *, supervisor: bool = False) -> None:
        """End the call (or, for a callback request, the agent's work on it)."""
        status = self._check_on_call(call_sid, agent_id, supervisor)
        if not status.callback:
            try:
                self.svc.twilio.calls(call_sid).update(status="completed")
            except Exception as exc:  # noqa: BLE001 - the call may be gone already
                log.warning("completing call %s failed: %s", call_sid, type(exc).__name__)
        self.bridge_ended(call_sid, "agent_hung_up")

    # ------------------------------------------------------------------ transfers

    def transfer(self, call_sid: str, agent_id: int, base_url: str, *,
                 to_language: str | None = None, to_agent_id: int | None = None,
                 supervisor: bool = False) -> dict[str, Any]:
        self._check_on_call(call_sid, agent_id, supervisor)
        status = self.engine.status(call_sid)
        assert status is not None
        spoken = status.dialect or status.language
        if to_language is not None:
            self.engine.transfer_to_language(call_sid, to_language)
            spoken = to_language
        else:
            assert to_agent_id is not None
            with self.svc.db.session() as session:
                skills = store.staff_skills(session, to_agent_id)
            if skills is None:
                raise RoutingError(STAFF_NOT_FOUND, "no such active staff member")
            self.engine.transfer_to_agent(call_sid, to_agent_id)
        with self.svc.db.session() as session:
            store.mark_event(session, call_sid, "transferred",
                             {"from_agent_id": agent_id, "to_language": to_language,
                              "to_agent_id": to_agent_id}, self._now())
        # The caller holds in the IVR's wait loop until the next agent accepts.
        self._redirect(call_sid, f"{base_url}{WAIT_LOOP_PATH}?lang={spoken}")
        return {"call_sid": call_sid, "to_language": to_language, "to_agent_id": to_agent_id}

    def add_interpreter(self, call_sid: str, agent_id: int, interpreter_id: int, base_url: str,
                        *, supervisor: bool = False) -> dict[str, Any]:
        """Offer the call to an available agent as its interpreter (an offer of kind
        "interpreter"); they are dialled in when they accept (`accept`)."""
        self._check_on_call(call_sid, agent_id, supervisor)
        with self.svc.db.session() as session:
            if store.staff_skills(session, interpreter_id) is None:
                raise RoutingError(STAFF_NOT_FOUND, "no such active staff member")
        first = self.engine.add_interpreter(call_sid, interpreter_id)
        with self.svc.db.session() as session:
            store.mark_event(session, call_sid, "interpreter_invited",
                             {"agent_id": first, "interpreter_id": interpreter_id}, self._now())
        return {"call_sid": call_sid, "agent_id": first, "interpreter_id": interpreter_id,
                "state": "offered"}

    def _join_as_interpreter(self, offer: Offer, base_url: str) -> None:
        """Three-way in a conference named by the caller's CallSid.

        The first agent's live leg is moved into the conference (a REST update of that
        child call): the caller's <Dial> then ends and its action (`bridge/ended`) takes
        the caller into the same room, so the agent stays on the line instead of being
        dropped and rung again. Only if that leg cannot be found is the caller
        redirected and the first agent dialled afresh. The interpreter is dialled in.
        """
        call_sid, interpreter_id = offer.call_sid, offer.agent_id
        first = self.engine.accept_interpreter(interpreter_id, call_sid)
        with self.svc.db.session() as session:
            store.mark_event(session, call_sid, "interpreter_added",
                             {"agent_id": first, "interpreter_id": interpreter_id}, self._now())
            targets = [store.dial_target(session, agent) for agent in (first, interpreter_id)]
            facts = store.call_facts(session, call_sid)
        agent_room = f"{base_url}{CONFERENCE_PATH}?call={call_sid}"
        # The agent who owns the call ends the conference by leaving it, so a caller is
        # never left alone in a room; the interpreter can drop out and the call goes on.
        owner_room = agent_room + "&ends=1"
        # The interpreter's leg reports its end (hung up, no answer, busy): their part
        # in the call — and what they may read of it — ends with it, not with the call.
        left = (f"{base_url}{INTERPRETER_STATUS_PATH}?call={call_sid}"
                f"&agent={interpreter_id}")
        legs = [(owner_room, None), (agent_room, left)]
        if self._move_agent_leg(call_sid, owner_room):
            targets, legs = targets[1:], legs[1:]
        else:
            self._redirect(call_sid, f"{base_url}{CONFERENCE_PATH}")
        for target, (url, status_url) in zip(targets, legs, strict=True):
            if target is None:
                if status_url is not None:
                    self.interpreter_left(call_sid, interpreter_id, "no-dial-target")
                continue
            to = self._endpoint(target)
            extra: dict[str, Any] = ({} if status_url is None else {
                "status_callback": status_url, "status_callback_method": "POST",
                "status_callback_event": ["completed"]})
            try:
                self.svc.twilio.calls.create(
                    to=to, from_=facts.number_called or "+10000000000",
                    url=url, method="POST", timeout=AGENT_RING_SECONDS, **extra)
            except Exception as exc:  # noqa: BLE001
                log.warning("dialling agent %s into %s failed: %s", target.agent_id, call_sid,
                            type(exc).__name__)
                if status_url is not None:
                    self.interpreter_left(call_sid, interpreter_id, "not_dialled")

    def interpreter_left(self, call_sid: str, interpreter_id: int, status: str) -> bool:
        """The interpreter's leg ended (`status`: Twilio's CallStatus, or why it was never
        dialled) while the call may go on: they wrap up, and the owner sees them gone."""
        if not self.engine.interpreter_left(call_sid, interpreter_id):
            return False
        with self.svc.db.session() as session:
            store.mark_event(session, call_sid, "interpreter_left",
                             {"interpreter_id": interpreter_id, "status": status}, self._now())
        return True

    def _endpoint(self, target: store.DialTarget) -> str:
        """Where the agent answers: their browser, or their own phone (decrypted here only)."""
        if target.answer_mode == "number" and target.phone_encrypted:
            return self.svc.pii.decrypt(target.phone_encrypted)
        return f"client:{client_identity(target.agent_id)}"

    def _start_callback(self, call_sid: str, agent_id: int, base_url: str) -> None:
        with self.svc.db.session() as session:
            target = store.dial_target(session, agent_id)
        try:
            if target is None:
                raise LookupError(f"agent {agent_id} has no dial target")
            callbacks.start(self.svc, call_sid, agent_id, self._endpoint(target), base_url)
        except Exception as exc:  # noqa: BLE001 - any failure: the request stays open
            log.warning("starting callback %s failed: %s", call_sid, type(exc).__name__)
            if callbacks.finish(self.svc, call_sid, reached=False, started=False):
                self.callback_attempt_ended(call_sid, reached=False,
                                            how="callback_not_started")
            else:
                self.bridge_ended(call_sid, "callback_not_started")
            raise RoutingError(TWILIO_FAILED, "the callback could not be started; it stays "
                                              "on the callback list") from exc

    def callback_attempt_ended(self, call_sid: str, *, reached: bool, how: str) -> None:
        """After an attempt was recorded (`callbacks.finish`): reached, the request is done;
        not reached, it goes back to its place in line, offered again after the retry
        time — or, after the configured attempts, it stops with a note on its ticket."""
        if reached:
            self.bridge_ended(call_sid, how)
            return
        queue = self.svc.config.queue
        with self.svc.db.session() as session:
            attempts = callbacks.attempts_made(session, call_sid)
            given_up = attempts >= queue.callback_max_attempts and callbacks.give_up(
                session, call_sid, attempts=attempts, at=self._now()) is not None
        if given_up:
            log.info("callback %s stopped after %s attempts", call_sid, attempts)
            self.bridge_ended(call_sid, "callback_given_up")
            return
        retry_at = self.svc.clock.now() + queue.callback_retry_after_seconds
        agent_id = self.engine.retry_callback(call_sid, retry_at)
        with self.svc.db.session() as session:
            store.mark_event(session, call_sid, "callback_returned",
                             {"how": how, "attempts": attempts, "agent_id": agent_id,
                              "retry_at": datetime.fromtimestamp(retry_at, UTC).isoformat()},
                             self._now())

    def call_back_now(self, agent_id: int, request_id: int, base_url: str) -> dict[str, Any]:
        """"Call back now" from the list: the agent takes this open request at once,
        whatever its place in line, and their phone rings, then the caller's."""
        with self.svc.db.session() as session:
            request = session.get(CallbackRequest, request_id)
            if request is None or request.status != "open" or request.call_id is None:
                raise RoutingError(CALLBACK_NOT_OPEN, "this callback is not open")
            call = store.find_call_by_id(session, request.call_id)
            skills = store.staff_skills(session, agent_id)
            if call is None or skills is None:
                raise RoutingError(CALLBACK_NOT_OPEN, "this callback is not open")
            call_sid, urgent, language = call.call_sid, bool(call.urgent), request.language
        queue_language, dialect = policy.routing_language(language, None,
                                                          self.engine.dialect_parents)
        if not set(policy.agent_skills_for(policy.WaitingCall(
                call_sid, queue_language, dialect, 0.0))) & set(skills):
            raise RoutingError(NOT_YOUR_LANGUAGE, "this callback is in a language you "
                                                  "do not serve")
        status = self.engine.status(call_sid)
        if status is None or status.state == "ended":
            # Not in line (e.g. Redis was emptied): back in, not due for anyone else yet.
            self.engine.join(call_sid, queue_language, dialect, urgent=urgent, callback=True,
                             not_before=self.svc.clock.now() + 60)
        self.engine.take_callback(agent_id, call_sid)
        with self.svc.db.session() as session:
            store.mark_answered(session, call_sid, agent_id=agent_id, at=self._now(),
                                waited_seconds=status.waiting_seconds if status else 0.0)
        self._start_callback(call_sid, agent_id, base_url)
        return {"call_sid": call_sid, "request_id": request_id, "kind": policy.CALLBACK,
                "callback": True, "state": "on_call"}

    def _move_agent_leg(self, call_sid: str, url: str) -> bool:
        """Send the agent's leg of the caller's <Dial> (its live child call) to `url`."""
        try:
            legs = self.svc.twilio.calls.list(parent_call_sid=call_sid, status="in-progress",
                                              limit=1)
            if not legs:
                return False
            self.svc.twilio.calls(legs[0].sid).update(url=url, method="POST")
        except Exception as exc:  # noqa: BLE001 - fall back to dialling the agent again
            log.warning("moving the agent leg of %s failed: %s", call_sid, type(exc).__name__)
            return False
        return True

    def _redirect(self, call_sid: str, url: str) -> None:
        try:
            self.svc.twilio.calls(call_sid).update(url=url, method="POST")
        except Exception as exc:  # noqa: BLE001
            raise RoutingError(TWILIO_FAILED, "Twilio did not move the call") from exc

    def _check_on_call(self, call_sid: str, agent_id: int, supervisor: bool) -> CallStatus:
        status = self.engine.status(call_sid)
        if status is None or status.state == "ended":
            raise RoutingError(CALL_NOT_FOUND, "no such call in progress")
        if not supervisor and agent_id not in (status.agent_id, status.interpreter_id):
            raise RoutingError(NOT_YOUR_CALL, "this call is not yours")
        return status

    # ------------------------------------------------------------------ periodic

    def tick(self) -> dict[str, int]:
        """The cheap, frequent part (Redis only; meant for every half second): offers
        lapse at their deadline, wrap-ups end, waiting calls reach widened agents."""
        return self.engine.tick()

    def heal(self) -> dict[str, int]:
        """The slow part (database and Twilio; each check rate-limits itself across
        processes): calls whose end was never reported leave agents and queues, and
        voicemails waiting for an agent are in their queues."""
        return {"reconciled": reconcile(self), "ghosts_removed": remove_ghosts(self),
                "voicemails_queued": queue_voicemails(self)}

    def sweep(self) -> dict[str, int]:
        """Both, for callers that run one periodic job."""
        return {**self.tick(), **self.heal()}


def routing_service(svc: Services) -> RoutingService:
    """The app's one routing service, built on first use."""
    service = svc.extras.get("routing")
    if service is None:
        service = svc.extras["routing"] = RoutingService(svc)
    return service
