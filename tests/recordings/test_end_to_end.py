"""End to end over real HTTP: a simulated caller leaves a voicemail through the IVR,
the stand-in records it and calls back, our job downloads it from the stand-in's
REST emulator, verifies, stores, deletes it there, and the ticket appears."""

from __future__ import annotations

import pytest

from cases.models import Ticket
from recordings.models import Recording
from transcription.models import Transcript

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("line", "language"), [("+661800000104", "ne"), ("+661800000102", "km")])
def test_voicemail_becomes_a_ticket_waiting_for_a_person(stand_in, line, language):
    result = stand_in.call(to=line, press=["2"],
                           say="My employer kept my passport and my wages", voice="en")
    assert result.outcome["kind"] == "voicemail", result.json
    stand_in.work()   # download job, then the transcription job it enqueues
    stand_in.work()
    with stand_in.services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "stored", recording.error
        assert recording.deleted_at_twilio_at is not None
        assert (recording.kind, recording.language) == ("voicemail", language)
        ticket = session.get(Ticket, recording.ticket_id)
        assert (ticket.language, ticket.source, ticket.status) == (language, "voicemail", "open")
        transcript = session.query(Transcript).one()
        assert (transcript.status, transcript.language) == ("awaiting_human", language)
    # The stand-in no longer holds it: deleted at "Twilio" after our verified copy.
    assert stand_in.engine is not None
    import requests

    gone = requests.get(f"{stand_in.rest_url}/2010-04-01/Accounts/"
                        f"{stand_in.settings.twilio_account_sid}/Recordings/"
                        f"{recording.recording_sid}.json",
                        auth=(stand_in.settings.twilio_account_sid,
                              stand_in.settings.twilio_auth_token), timeout=5)
    assert gone.status_code == 404

