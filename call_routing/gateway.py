"""The IVR's port (`ivr.ports.CallQueue`) implemented on the routing engine."""

from __future__ import annotations

from call_routing.engine import CallStatus
from call_routing.service import RoutingService, routing_service
from helpline.services import Services
from ivr.ports import CallQueue, QueueStatus


class RedisCallQueue:
    """What the caller's side sees of routing: join, where am I, leave, anyone there?"""

    def __init__(self, routing: RoutingService) -> None:
        self.routing = routing
        self.engine = routing.engine

    def join(self, *, call_sid: str, language: str, dialect: str | None,
             urgent: bool = False, callback: bool = False,
             not_before: float | None = None) -> QueueStatus:
        status = self.engine.join(call_sid, language, dialect, urgent=urgent, callback=callback,
                                  not_before=not_before)
        return self._port_status(status)

    def status(self, call_sid: str) -> QueueStatus | None:
        status = self.engine.status(call_sid)
        if status is None or status.state not in ("waiting", "reserved"):
            return None
        return self._port_status(status)

    def leave(self, call_sid: str, reason: str) -> None:
        self.engine.leave(call_sid, reason)

    def agents_logged_in(self, language: str, dialect: str | None = None) -> int:
        # The port's name; what it counts is who is serving (not on a break).
        return self.engine.agents_serving(language, dialect)

    @staticmethod
    def _port_status(status: CallStatus) -> QueueStatus:
        # `state` is waiting or reserved while queued; "connected" or "ended" only
        # from a join that came after the call had moved on.
        return QueueStatus(
            call_sid=status.call_sid, language=status.skill, position=status.position,
            waiting_seconds=status.waiting_seconds,
            estimated_wait_seconds=status.estimated_wait_seconds,
            agents_logged_in=status.agents_serving, state=status.state)


def call_queue(svc: Services) -> CallQueue:
    """The IVR's queue, built once per app (kept in `svc.extras["call_queue"]`)."""
    queue = svc.extras.get("call_queue")
    if queue is None:
        queue = svc.extras["call_queue"] = RedisCallQueue(routing_service(svc))
    return queue
