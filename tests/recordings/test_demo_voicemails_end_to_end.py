"""The demo, as a tester tries it: voicemails in seven languages through the stand-in,
then every demo agent who works in a message's language opens it and its ticket from
the console. From one number for all (how the demo used to call) or from each line's
own demo caller, no message lands in a ticket its own agents can't open."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from agent_console.access import languages_served
from cases.models import Ticket
from helpline.demo import DEMO_PASSWORD, DEMO_STAFF, seed_demo
from recordings.models import Recording
from simulator.phone.demo_callers import demo_caller

# (line, keys before the main menu's 2 for voicemail, the language chosen)
VOICEMAILS = [
    ("+661800000102", [], "km"),
    ("+661800000101", ["1"], "my"),
    ("+661800000101", ["2"], "shn"),
    ("+661800000103", ["1"], "th"),
    ("+661800000103", ["2"], "lo"),
    ("+661800000104", [], "ne"),
    ("+601800881010", [], "id"),
]
ONE_NUMBER = "+959123456789"        # the single default every demo call used to come from


def console_as(stand_in, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{stand_in.app_url}/login",
                            data={"email": email, "password": DEMO_PASSWORD},
                            allow_redirects=False)
    assert response.status_code == 302, response.text
    return session


@pytest.mark.parametrize("callers", ["one number for all", "each line's demo caller"])
def test_every_demo_voicemail_opens_for_the_agents_of_its_language(stand_in, callers):
    with stand_in.services.db.session() as session:
        seed_demo(session)
    for line, keys, _language in VOICEMAILS:
        from_ = ONE_NUMBER if callers == "one number for all" else demo_caller(line)
        result = stand_in.call(to=line, from_=from_, press=[*keys, "2"],
                               say="My employer kept my passport", voice="en")
        assert result.outcome["kind"] == "voicemail", result.json

    parents = {code: lang.parent for code, lang in stand_in.services.config.languages.items()}
    with stand_in.services.db.session() as session:
        voicemails = [(r.id, r.language, r.ticket_id) for r in session.scalars(
            select(Recording).order_by(Recording.id))]
        tickets = {t.id: t.language for t in session.scalars(select(Ticket))}
    assert [language for _id, language, _ticket in voicemails] == [v[2] for v in VOICEMAILS]
    if callers == "each line's demo caller":
        # Different lines, different callers: no two lines' messages share a ticket.
        lines_of = {}
        for (line, _keys, _language), (_id, _lang, ticket_id) in zip(VOICEMAILS, voicemails,
                                                                     strict=True):
            lines_of.setdefault(ticket_id, set()).add(line)
        assert all(len(lines) == 1 for lines in lines_of.values())

    agents = [(email, set(skills)) for email, role, _name, skills, _ui in DEMO_STAFF
              if role == "agent"]
    consoles = {email: console_as(stand_in, email) for email, _skills in agents}
    for recording_id, language, ticket_id in voicemails:
        assert ticket_id is not None
        speakers = [email for email, skills in agents
                    if language in languages_served(skills, parents)]
        assert speakers, language
        for email in speakers:
            console = consoles[email]
            recording = console.get(f"{stand_in.app_url}/console/recordings/{recording_id}")
            ticket = console.get(f"{stand_in.app_url}/console/tickets/{ticket_id}")
            assert (recording.status_code, ticket.status_code) == (200, 200), (
                email, language, tickets[ticket_id])
