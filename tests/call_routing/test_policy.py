"""The routing policy as tables: who answers whom, and in what order."""

from __future__ import annotations

import pytest

from call_routing.policy import (
    AgentSnapshot,
    Rules,
    Tier,
    WaitingCall,
    available_for,
    choose_agent,
    choose_call,
    choose_preemption,
    eligible,
    queue_score,
    routing_language,
    split_score,
)

RULES = Rules(proficiency_threshold=3, widen_proficiency_after_seconds=60,
              widened_proficiency_threshold=1, widen_dialect_after_seconds=120)
T0 = 1_750_000_000.0
PARENTS = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}


def call(sid="CA1", language="km", dialect=None, waited=0.0, **kw) -> WaitingCall:
    return WaitingCall(sid, language, dialect, T0 - waited, **kw)


def agent(agent_id, idle_for=0.0, **skills) -> AgentSnapshot:
    return AgentSnapshot(agent_id, skills, T0 - idle_for)


@pytest.mark.parametrize(("caller", "skills", "expected"), [
    # plain language: threshold, then widening after 60 s
    (call(language="km"), {"km": 3}, Tier.EXACT),
    (call(language="km"), {"km": 2}, None),
    (call(language="km", waited=59), {"km": 1}, None),
    (call(language="km", waited=60), {"km": 1}, Tier.EXACT_WIDENED),
    (call(language="km"), {"th": 5}, None),
    # dialect: the dialect skill first; Burmese only after 120 s
    (call(language="my", dialect="shn"), {"shn": 4}, Tier.EXACT),
    (call(language="my", dialect="shn"), {"my": 5}, None),
    (call(language="my", dialect="shn", waited=119), {"my": 5}, None),
    (call(language="my", dialect="shn", waited=120), {"my": 5}, Tier.PARENT),
    (call(language="my", dialect="shn", waited=120), {"my": 2}, Tier.PARENT_WIDENED),
    (call(language="my", dialect="shn", waited=120), {"kac": 5}, None),
    (call(language="my", dialect="shn", waited=90), {"shn": 1}, Tier.EXACT_WIDENED),
    # a Burmese caller is never sent to a dialect-only speaker
    (call(language="my", waited=500), {"shn": 5}, None),
])
def test_eligibility(caller, skills, expected):
    assert eligible(caller, AgentSnapshot(1, skills, T0), T0, RULES) == expected


def test_an_agent_who_is_not_available_is_never_eligible():
    busy = AgentSnapshot(1, {"km": 5}, T0, state="on_call")
    assert eligible(call(), busy, T0, RULES) is None


@pytest.mark.parametrize(("caller", "agents", "chosen"), [
    # longest idle among equals
    (call(), [agent(1, idle_for=10, km=4), agent(2, idle_for=30, km=3)], 2),
    (call(), [agent(1, idle_for=30, km=4), agent(2, idle_for=30, km=4)], 1),
    # proficiency below threshold loses to any qualified agent, even a newer one
    (call(waited=70), [agent(1, idle_for=300, km=1), agent(2, idle_for=5, km=3)], 2),
    (call(waited=70), [agent(1, idle_for=300, km=1)], 1),
    (call(waited=10), [agent(1, idle_for=300, km=1)], None),
    # dialect preference: a Shan speaker beats a Burmese speaker idle longer
    (call(language="my", dialect="shn", waited=200),
     [agent(1, idle_for=600, my=5), agent(2, idle_for=1, shn=3)], 2),
    (call(language="my", dialect="shn", waited=200),
     [agent(1, idle_for=600, my=5), agent(2, idle_for=1, kac=5)], 1),
    (call(language="my", dialect="shn", waited=30),
     [agent(1, idle_for=600, my=5)], None),
    # an agent with both still counts at their best tier
    (call(language="my", dialect="shn", waited=200),
     [agent(1, idle_for=600, my=5, shn=1), agent(2, idle_for=1, my=5)], 1),
])
def test_choose_agent(caller, agents, chosen):
    assert choose_agent(caller, agents, T0, RULES).agent_id == chosen


@pytest.mark.parametrize(("skills", "calls", "chosen"), [
    # oldest first across languages: a busy language does not starve a quiet one
    ({"my": 5, "km": 4}, [call("MY1", "my", waited=30), call("MY2", "my", waited=20),
                          call("KM1", "km", waited=50)], "KM1"),
    ({"my": 5, "km": 4}, [call("MY1", "my", waited=60), call("KM1", "km", waited=50)], "MY1"),
    # priority first: urgent callers, then a caller returned after a missed bridge
    # ahead of everyone
    ({"km": 5}, [call("OLD", waited=300), call("URG", waited=1, urgent=True)], "URG"),
    # a live caller before a callback (nobody holds on the line for a callback)
    ({"km": 5}, [call("OLD", waited=300), call("CB", waited=1, callback=True)], "OLD"),
    ({"km": 5}, [call("NEW", waited=1), call("CB", waited=300, callback=True)], "NEW"),
    ({"km": 5}, [call("URG", waited=300, urgent=True), call("RET", waited=1, returned=True)],
     "RET"),
    # only calls the agent may take now count
    ({"km": 2}, [call("NEW", waited=10, urgent=True), call("OLD", waited=70)], "OLD"),
    ({"km": 2}, [call("NEW", waited=10)], None),
    # a Burmese speaker helps an old Shan caller before a newer Burmese one
    ({"my": 5}, [call("MY1", "my", waited=100), call("SHN", "my", "shn", waited=130)], "SHN"),
    ({"my": 5}, [call("MY1", "my", waited=100), call("SHN", "my", "shn", waited=110)], "MY1"),
])
def test_choose_call(skills, calls, chosen):
    assert choose_call(AgentSnapshot(9, skills, T0), calls, T0, RULES).call_sid == chosen


def test_fairness_an_agent_for_two_languages_alternates_by_age():
    # Six Burmese and two Khmer callers arriving in turn: served in arrival order.
    arrivals = [("MY", 100), ("KM", 95), ("MY", 90), ("MY", 85), ("KM", 80), ("MY", 75)]
    waiting = [call(f"{lang}{i}", lang.lower(), waited=w) for i, (lang, w) in enumerate(arrivals)]
    served = []
    multi = AgentSnapshot(1, {"my": 4, "km": 4}, T0)
    while waiting:
        decision = choose_call(multi, waiting, T0, RULES)
        served.append(decision.call_sid)
        waiting = [c for c in waiting if c.call_sid != decision.call_sid]
    assert served == ["MY0", "KM1", "MY2", "MY3", "KM4", "MY5"]


@pytest.mark.parametrize(("priority", "expected_class"), [
    ({}, 2), ({"urgent": True}, 1), ({"returned": True}, 0),
    # deferred work is ordered by age alone (urgent first); never "returned"
    ({"callback": True}, 2), ({"voicemail": True}, 2), ({"callback": True, "urgent": True}, 1),
    ({"callback": True, "returned": True}, 2),
])
def test_queue_score_orders_class_then_arrival_and_round_trips(priority, expected_class):
    caller = call(waited=42.5, **priority)
    assert split_score(queue_score(caller)) == (expected_class, pytest.approx(T0 - 42.5))
    assert queue_score(call(waited=1, urgent=True)) < queue_score(call(waited=10_000))


@pytest.mark.parametrize(("language", "dialect", "expected"), [
    ("my", "shn", ("my", "shn")),
    ("shn", None, ("my", "shn")),
    ("km", None, ("km", None)),
    ("my", None, ("my", None)),
    ("km", "zz", ("km", None)),
])
def test_routing_language(language, dialect, expected):
    assert routing_language(language, dialect, PARENTS) == expected


# ---------------------------------------------------------------- scarcity


def counts(**levels) -> dict[str, tuple[int, ...]]:
    """Available agents per level: counts(km=(0, 0, 0, 0, 1)) = one Khmer speaker at 5."""
    return {skill: tuple(per_level) for skill, per_level in levels.items()}


SOKHA = AgentSnapshot(7, {"km": 5, "th": 2}, T0)


@pytest.mark.parametrize(("label", "calls", "available", "chosen"), [
    # The scenario: a Thai callback has waited two minutes; Sokha (Khmer 5,
    # Thai 2) is the only agent free; a Khmer caller has just pressed 1. Only she can
    # serve the Khmer caller: they come first, not the callback.
    ("sokha", [call("TH-CB", "th", waited=120, callback=True), call("KM", "km", waited=1)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 0, 0)), "KM"),
    # ...the same with a Thai voicemail instead of the callback
    ("sokha voicemail", [call("TH-VM", "th", waited=600, voicemail=True),
                         call("KM", "km", waited=1)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 0, 0)), "KM"),
    # nobody live waiting: the callback is hers (it waited past the widening for Thai 2)
    ("callback alone", [call("TH-CB", "th", waited=120, callback=True)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 0, 0)), "TH-CB"),
    # ...but not before the widening: Thai 2 is under the threshold
    ("callback too early", [call("TH-CB", "th", waited=30, callback=True)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 0, 0)), None),
    # the oldest deferred work first, callback or voicemail alike
    ("oldest deferred", [call("TH-CB", "th", waited=120, callback=True),
                         call("KM-VM", "km", waited=300, voicemail=True)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 0, 0)), "KM-VM"),
    # an older Thai caller two other free Thai agents could take: the Khmer caller,
    # whom only she can take, is the scarcer
    ("scarcest live", [call("TH", "th", waited=200), call("KM", "km", waited=1)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 2, 0)), "KM"),
    # the older caller wins when both are hers alone
    ("both only hers", [call("TH", "th", waited=200), call("KM", "km", waited=1)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 0, 0, 0)), "TH"),
    # a callback only she could make goes before a live caller another agent can take
    ("callback scarcer", [call("TH-CB", "th", waited=120, callback=True),
                          call("KM", "km", waited=50)],
     counts(km=(0, 0, 0, 1, 1), th=(0, 1, 0, 0, 0)), "TH-CB"),
    # an urgent caller others could take still loses to the caller only she can take
    ("urgent not scarce", [call("TH", "th", waited=200, urgent=True),
                           call("KM", "km", waited=1)],
     counts(km=(0, 0, 0, 0, 1), th=(0, 1, 1, 0, 0)), "KM"),
    # without counts (no scarcity known) the rules are the old ones, live before deferred
    ("no counts", [call("TH-CB", "th", waited=120, callback=True), call("KM", "km", waited=1)],
     None, "KM"),
])
def test_an_agent_is_offered_the_caller_they_are_scarcest_for(label, calls, available, chosen):
    assert choose_call(SOKHA, calls, T0, RULES, available).call_sid == chosen, label


@pytest.mark.parametrize(("caller", "available", "expected"), [
    # at the threshold until the widening, then from the widened threshold
    (call(language="km"), counts(km=(1, 1, 1, 1, 1)), 3),
    (call(language="km", waited=60), counts(km=(1, 1, 1, 1, 1)), 5),
    # a dialect caller counts parent speakers only after the dialect widening
    (call(language="my", dialect="shn"), counts(shn=(0, 0, 1, 0, 0), my=(0, 0, 0, 0, 4)), 1),
    (call(language="my", dialect="shn", waited=120),
     counts(shn=(0, 0, 1, 0, 0), my=(0, 0, 0, 0, 4)), 5),
    (call(language="ne"), counts(km=(0, 0, 0, 0, 9)), 0),
])
def test_available_for_counts_who_could_take_a_call_now(caller, available, expected):
    assert available_for(caller, available, T0, RULES) == expected


@pytest.mark.parametrize(("caller", "holders", "chosen"), [
    # Sokha is being offered the Thai callback; the Khmer caller claims her
    (call("KM", "km"), [AgentSnapshot(7, {"km": 5, "th": 2}, T0, state="reserved")], 7),
    # not a holder who cannot serve the caller
    (call("KM", "km"), [AgentSnapshot(8, {"th": 5}, T0, state="reserved")], None),
    # the best tier, then the longest idle
    (call("KM", "km", waited=70), [AgentSnapshot(1, {"km": 1}, T0 - 500, state="reserved"),
                                   AgentSnapshot(2, {"km": 4}, T0, state="reserved")], 2),
    (call("KM", "km"), [AgentSnapshot(1, {"km": 4}, T0 - 5, state="reserved"),
                        AgentSnapshot(2, {"km": 4}, T0 - 50, state="reserved")], 2),
    # deferred work never takes over another offer
    (call("CB", "km", callback=True), [AgentSnapshot(7, {"km": 5}, T0, state="reserved")],
     None),
])
def test_a_live_caller_may_claim_an_agent_offered_only_deferred_work(caller, holders, chosen):
    assert choose_preemption(caller, holders, T0, RULES).agent_id == chosen
