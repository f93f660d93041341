"""The IVR's handle on the routing engine's queue (`call_routing` implements the port)."""

from __future__ import annotations

from helpline.services import Services
from ivr.ports import CallQueue


def call_queue(svc: Services) -> CallQueue:
    from call_routing.gateway import call_queue as routing_call_queue

    return routing_call_queue(svc)
