"""A voicemail whose recording callback never reached the app is still recovered:
Twilio keeps it until we hold a verified copy, and the hourly job finds it there."""

from __future__ import annotations

from cases.models import Ticket
from recordings.models import Recording
from recordings.recovery import recover_missed_recordings


def test_a_voicemail_whose_callback_was_lost_is_recovered_from_twilio(stand_in):
    stand_in.faults.add("webhook", "drop", match="/twilio/recordings/status")
    result = stand_in.call(to="+661800000104", press=["2"],
                           say="My employer kept my passport", voice="en")
    assert result.outcome["kind"] == "voicemail"
    with stand_in.services.db.session() as session:
        assert session.query(Recording).count() == 0          # the callback was lost

    with stand_in.app.app_context():
        assert recover_missed_recordings(stand_in.services) == 1
        assert recover_missed_recordings(stand_in.services) == 0   # taken in once
    stand_in.work()                                           # the download job
    with stand_in.services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.status == "stored", recording.error
        assert (recording.kind, recording.language) == ("voicemail", "ne")
        assert recording.deleted_at_twilio_at is not None
        ticket = session.get(Ticket, recording.ticket_id)
        assert (ticket.language, ticket.source) == ("ne", "voicemail")
