"""What an offer card says it is, and what a presence reason is called. Pure tables."""

from __future__ import annotations

import pytest

from agent_console import presence
from agent_console.offer_card import OfferFacts, card, is_repeat_caller, offer_kind

ME, OTHER = 7, 9


@pytest.mark.parametrize(("declared", "callback", "transferred_to", "kind"), [
    ("voicemail", False, None, "voicemail"),        # routing's word wins
    ("interpreter", False, None, "interpreter"),
    ("callback", True, None, "callback"),
    ("transfer", False, None, "transfer"),
    (None, True, None, "callback"),                 # before routing named kinds
    (None, False, ME, "transfer"),                  # passed to this agent
    (None, False, OTHER, "call"),                   # passed to someone else earlier
    (None, False, None, "call"),
    ("something-new", False, None, "call"),         # an unknown kind is not trusted
])
def test_offer_kind(declared, callback, transferred_to, kind):
    assert offer_kind(declared=declared, callback=callback, agent_id=ME,
                      transferred_to_agent=transferred_to) == kind


@pytest.mark.parametrize(("declared", "calls_so_far", "repeat"), [
    (None, 0, False), (None, 1, False), (None, 2, True), (False, 5, False), (True, 1, True),
])
def test_repeat_caller(declared, calls_so_far, repeat):
    assert is_repeat_caller(declared=declared, calls_so_far=calls_so_far) is repeat


def test_card_never_goes_negative_and_takes_urgency_from_either_side():
    shown = card(agent_id=ME, call_sid="CA1", language="my", dialect="shn",
                 seconds_left=-0.4, waited_seconds=61.26, urgent=False, callback=False,
                 facts=OfferFacts(caller_reference="C-1234-ABCD", calls_so_far=3, urgent=True))
    assert shown["seconds_left"] == 0 and shown["waited_seconds"] == 61.3
    assert shown["urgent"] is True and shown["repeat_caller"] is True
    assert (shown["kind"], shown["dialect"]) == ("call", "shn")
    assert shown["caller_reference"] == "C-1234-ABCD"


@pytest.mark.parametrize(("reason", "label"), [
    ("missed", "Missed offer"), ("declined", "Declined offer"), ("meal", "Meal"),
    ("interpreter", "Interpreting"), ("something_else", "something_else"), (None, None),
    ("", None),
])
def test_reason_labels(reason, label):
    assert presence.reason_label(reason) == label


def test_routing_breaks_are_not_in_the_menu():
    assert not set(presence.OFFER_BREAKS) & set(presence.CHOSEN_BREAKS)
