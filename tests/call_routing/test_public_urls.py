"""Every URL the app hands Twilio when an agent acts in the console (bridge, transfer,
interpreter) is built from PUBLIC_BASE_URL — the address Twilio reaches — never from
the address the agent's browser used (here the test client's http://localhost)."""

from __future__ import annotations

import pytest

from call_routing.gateway import call_queue
from tests.builders import create_staff_member
from tests.call_routing.test_views import a_call, go_available, updates_for

PUBLIC = "https://helpline.example.org"


@pytest.fixture
def settings(tmp_path, database_url, redis_url, twilio_rest):
    from helpline.settings import load_settings
    from tests.builders import make_environ

    return load_settings(make_environ(tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
                                      TWILIO_API_BASE=twilio_rest.media_base_url,
                                      PUBLIC_BASE_URL=PUBLIC))


def test_bridge_and_transfer_urls_come_from_the_public_base_url(client, services, db_session,
                                                                twilio_rest):
    agent = create_staff_member(db_session, email="khmer@example.org", skills={"km": 5})
    db_session.commit()
    go_available(client, agent)
    call_sid = a_call(services, twilio_rest)
    call_queue(services).join(call_sid=call_sid, language="km", dialect=None)
    assert client.post("/api/agents/me/offer/accept").status_code == 200
    assert client.post(f"/api/calls/{call_sid}/transfer",
                       json={"to_language": "th"}).status_code == 200
    urls = [update["Url"] for update in updates_for(twilio_rest, call_sid)]
    assert urls == [f"{PUBLIC}/twilio/voice/bridge",
                    f"{PUBLIC}/twilio/voice/queue/wait?lang=th"]
