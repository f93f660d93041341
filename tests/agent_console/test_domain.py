"""Pure console rules: taxonomy, access, the ticket form, wallboard figures, Zawgyi."""

from __future__ import annotations

import pytest

from agent_console.access import can_open_ticket, can_see_full_number, languages_served
from agent_console.figures import AgentRecord, CallRecord, calls_per_hour, language_figures
from agent_console.zawgyi import looks_like_zawgyi
from cases import taxonomy
from cases.ticket_form import parse_ticket_form

PARENTS = {"my": None, "shn": "my", "kac": "my", "km": None, "th": None, "lo": None}

ILO_INDICATORS = {
    "abuse of vulnerability", "deception", "restriction of movement", "isolation",
    "physical and sexual violence", "intimidation and threats",
    "retention of identity documents", "withholding of wages", "debt bondage",
    "abusive working and living conditions", "excessive overtime",
}


def test_taxonomy_has_the_eleven_ilo_indicators_and_the_helpline_categories():
    ilo = {c.label.lower() for c in taxonomy.CATEGORIES if c.ilo_indicator}
    assert ilo == ILO_INDICATORS
    others = {c.code for c in taxonomy.CATEGORIES if not c.ilo_indicator}
    assert {"work.wages", "work.recruitment_fees", "work.documents_retained", "work.overtime",
            "work.safety", "work.housing", "work.harassment",
            "work.contract_substitution"} <= others


def test_taxonomy_codes_are_unique_and_stable_shaped():
    codes = [c.code for c in taxonomy.CATEGORIES]
    assert len(codes) == len(set(codes))
    assert all(code == code.lower() and " " not in code for code in codes)
    assert [group for group, _ in taxonomy.groups()] == [taxonomy.ILO_GROUP,
                                                         taxonomy.WORK_GROUP]


@pytest.mark.parametrize(("role", "skills", "language", "assignee", "allowed"), [
    ("agent", {"km"}, "km", None, True),
    ("agent", {"km"}, "my", None, False),
    ("agent", {"km"}, "my", 7, True),          # assigned to them
    ("agent", {"km"}, "my", 8, False),         # assigned to someone else
    ("agent", {"my"}, "shn", None, True),      # a dialect of a language they speak
    ("agent", {"shn"}, "my", None, False),     # but not the other way round
    ("supervisor", set(), "lo", None, True),
    ("admin", set(), "km", None, True),
])
def test_who_may_open_a_ticket(role, skills, language, assignee, allowed):
    assert can_open_ticket(role=role, user_id=7, skills=skills, ticket_language=language,
                           assignee_id=assignee, parents=PARENTS) is allowed


def test_languages_served_include_dialects_of_spoken_languages():
    assert languages_served({"my"}, PARENTS) == {"my", "shn", "kac"}


@pytest.mark.parametrize(("role", "full"), [("agent", False), ("supervisor", False),
                                            ("admin", True)])
def test_only_admins_may_reveal_a_full_number(role, full):
    assert can_see_full_number(role) is full


def test_ticket_form_accepts_a_complete_ticket():
    values = parse_ticket_form({"language": "km", "category": "ilo.debt_bondage",
                                "status": "in_progress", "priority": "urgent",
                                "notes": " owes 40,000 baht ", "employer": "Fishing Co",
                                "recruitment_agency": "", "location": "Songkhla"},
                               languages={"km", "my"})
    assert values.valid
    assert values.notes == "owes 40,000 baht"
    assert values.recruitment_agency is None
    assert values.category == "ilo.debt_bondage"


def test_ticket_form_names_every_problem():
    values = parse_ticket_form({"language": "xx", "category": "made.up", "status": "lost",
                                "priority": "extreme", "employer": "x" * 201},
                               languages={"km"})
    assert values.problems == {"language": "unknown_language", "category": "unknown_category",
                               "status": "unknown_status", "priority": "unknown_priority",
                               "employer": "too_long"}


def test_figures_per_language():
    now = 100_000.0
    calls = [
        CallRecord("km", started_at=now - 900, queued_at=now - 890, answered_at=now - 880,
                   ended_at=now - 580),                                    # 10 s to answer
        CallRecord("km", started_at=now - 800, queued_at=now - 790, answered_at=now - 750,
                   ended_at=now - 450),                                    # 40 s: missed SL
        CallRecord("km", started_at=now - 700, queued_at=now - 690, ended_at=now - 600),
        CallRecord("km", started_at=now - 650, queued_at=now - 640, ended_at=now - 637),
        CallRecord("km", started_at=now - 95, queued_at=now - 90),         # waiting 90 s
        CallRecord("km", started_at=now - 35, queued_at=now - 30),         # waiting 30 s
        CallRecord("km", started_at=now - 20, outcome="voicemail"),
        CallRecord("my", started_at=now - 10, queued_at=now - 5),
    ]
    agents = [AgentRecord(1, "Sokha", ("km",), "on_call", now - 30),
              AgentRecord(2, "Dara", ("km", "th"), "available", now - 100),
              AgentRecord(3, "Aye", ("my",), "break", now - 60, "meal")]
    by_language = {f.language: f for f in language_figures(calls, agents,
                                                           languages=["km", "my", "th"],
                                                           now=now)}
    km = by_language["km"]
    assert (km.waiting, km.longest_wait_seconds) == (2, 90)
    assert (km.offered_today, km.answered_today, km.abandoned_today) == (6, 2, 2)
    assert km.voicemails_today == 1
    # Answered in 20 s: 1; judged: 2 answered + 1 abandoned after the 5 s grace.
    assert km.service_level == pytest.approx(1 / 3)
    assert km.abandon_rate == pytest.approx(2 / 6)
    assert km.average_speed_of_answer == pytest.approx(25)
    assert km.average_handle_seconds == pytest.approx(300)
    assert km.agents["on_call"] == 1 and km.agents["available"] == 1
    assert km.agents_needed >= 1
    assert by_language["th"].agents["available"] == 1
    assert by_language["my"].agents["break"] == 1 and by_language["my"].waiting == 1


def test_a_quiet_language_has_no_rates_and_needs_nobody():
    (figures,) = language_figures([], [], languages=["lo"], now=0.0)
    assert figures.service_level is None and figures.abandon_rate is None
    assert figures.agents_needed == 0


def test_calls_per_hour_series():
    series = calls_per_hour([("km", 9), ("km", 9), ("my", 23), ("xx", 3)], ["km", "my"])
    assert series["km"][9] == 2 and sum(series["km"]) == 2
    assert series["my"][23] == 1 and "xx" not in series


@pytest.mark.parametrize(("text", "zawgyi"), [
    ("အပြည်ပြည်ဆိုင်ရာ လူ့အခွင့်အရေး ကြေညာစာတမ်း", False),   # Unicode
    ("အျပည္ျပည္ဆိုင္ရာ လူ႔အခြင့္အေရး ေၾကညာစာတမ္း", True),     # the same words in Zawgyi
    ("no Burmese here", False),
    ("", False),
])
def test_zawgyi_detection(text, zawgyi):
    assert looks_like_zawgyi(text) is zawgyi
