"""Erlang C against published values (A = 10 erlangs is the textbook example:
100 calls in 30 minutes at 3 minutes each) and the factorial formula."""

from __future__ import annotations

import math

import pytest

from agent_console.erlang import (
    agents_needed,
    average_speed_of_answer,
    erlang_b,
    erlang_c,
    service_level,
)


def erlang_c_by_factorials(agents: int, traffic: float) -> float:
    head = sum(traffic ** k / math.factorial(k) for k in range(agents))
    tail = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
    return tail / (head + tail)


@pytest.mark.parametrize(("agents", "probability_of_waiting"), [
    (11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741), (15, 0.1020),
])
def test_probability_of_waiting_for_ten_erlangs(agents, probability_of_waiting):
    assert erlang_c(agents, 10.0) == pytest.approx(probability_of_waiting, abs=5e-5)


@pytest.mark.parametrize(("agents", "level"), [
    (12, 0.6402), (13, 0.7956), (14, 0.8884), (15, 0.9415),
])
def test_service_level_for_ten_erlangs_three_minute_calls(agents, level):
    assert service_level(agents, 10.0, 180, 20) == pytest.approx(level, abs=5e-5)


@pytest.mark.parametrize(("agents", "traffic"), [(1, 0.5), (3, 2.0), (7, 6.5), (30, 25.0)])
def test_recurrence_matches_the_factorial_formula(agents, traffic):
    assert erlang_c(agents, traffic) == pytest.approx(erlang_c_by_factorials(agents, traffic))


def test_erlang_b_known_value():
    assert erlang_b(10, 10.0) == pytest.approx(0.2146, abs=5e-5)


@pytest.mark.parametrize(("calls_per_hour", "handle_seconds", "needed"), [
    (200, 180, 14),    # the textbook 80/20 answer for 10 erlangs
    (0, 300, 0),       # a quiet language needs nobody
    (1, 300, 1),       # one call an hour still needs someone on
    (12, 300, 3),      # one erlang: two agents answer only ~69 % within 20 s
])
def test_agents_needed_for_eighty_percent_in_twenty_seconds(calls_per_hour, handle_seconds,
                                                           needed):
    hint = agents_needed(calls_per_hour=calls_per_hour, handle_seconds=handle_seconds)
    assert hint.agents_needed == needed
    assert hint.service_level >= 0.8


def test_the_hint_is_the_fewest_agents_that_meet_the_target():
    hint = agents_needed(calls_per_hour=720, handle_seconds=240)  # 48 erlangs
    assert service_level(hint.agents_needed, 48.0, 240, 20) >= 0.8
    assert service_level(hint.agents_needed - 1, 48.0, 240, 20) < 0.8


def test_large_bursts_do_not_overflow():
    hint = agents_needed(calls_per_hour=20_000, handle_seconds=300)  # ~1,667 erlangs
    assert 1667 < hint.agents_needed < 1800


def test_an_understaffed_queue_never_catches_up():
    assert erlang_c(5, 5.0) == 1.0
    assert service_level(5, 5.0, 180, 20) == 0.0
    assert average_speed_of_answer(4, 5.0, 180) == math.inf


@pytest.mark.parametrize("bad", [
    {"calls_per_hour": -1, "handle_seconds": 100},
    {"calls_per_hour": 10, "handle_seconds": 0},
    {"calls_per_hour": 10, "handle_seconds": 100, "target_level": 1.0},
])
def test_impossible_inputs_are_refused(bad):
    with pytest.raises(ValueError):
        agents_needed(**bad)
