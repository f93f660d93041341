"""Malformed fields in signed voice webhooks: the caller hears the spoken apology, and
nothing of the bad value is stored, used as a Redis key or echoed into TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from helpline.db import Base
from tests.builders import signed_post

GOOD_SID = "CA" + "5" * 32
BAD_SIDS = {
    "nul": GOOD_SID[:20] + "\x00" + GOOD_SID[21:],
    "nul_appended": GOOD_SID + "\x00",
    "100kb": "CA" + "a" * 100_000,
    "newline": GOOD_SID[:-1] + "\n",
}


def post(client, path: str, call_sid: str, **fields: str):
    params = {"CallSid": call_sid, "AccountSid": "AC" + "1" * 32, "From": "+66812345678",
              "To": "+661800000102", "CallStatus": "in-progress", "Direction": "inbound",
              **fields}
    return signed_post(client, path, params)


def apology(response) -> ET.Element:
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)   # well-formed, or this raises
    assert root.tag == "Response"
    spoken = " ".join((el.text or "") for el in root.iter() if el.tag in ("Play", "Say"))
    assert "technical_problem" in spoken, response.data[:500]
    return root


def nothing_stored(db_session, redis_client) -> None:
    connection = db_session.connection()
    rows = {table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in Base.metadata.sorted_tables}
    # The audit chain's head row is there from the start (the migration makes it).
    rows.pop("audit_log_head")
    assert {name: count for name, count in rows.items() if count} == {}
    assert redis_client.dbsize() == 0, redis_client.keys("*")


@pytest.mark.parametrize("bad", BAD_SIDS.values(), ids=BAD_SIDS.keys())
def test_a_malformed_call_sid_on_the_incoming_call_gets_the_apology_and_stores_nothing(
        client, db_session, redis_client, bad):
    response = post(client, "/twilio/voice/incoming", bad)
    apology(response)
    assert b"\x00" not in response.data and b"a" * 100 not in response.data
    nothing_stored(db_session, redis_client)


@pytest.mark.parametrize("bad", BAD_SIDS.values(), ids=BAD_SIDS.keys())
@pytest.mark.parametrize("path", ["/twilio/voice/main?lang=km&tries=0",
                                  "/twilio/voice/queue/wait?lang=km",
                                  "/twilio/voice/callback/entered?lang=km&tries=0"])
def test_a_malformed_call_sid_in_a_later_step_gets_the_apology(client, db_session,
                                                               redis_client, path, bad):
    apology(post(client, path, bad, Digits="1"))
    nothing_stored(db_session, redis_client)


@pytest.mark.parametrize("bad", BAD_SIDS.values(), ids=BAD_SIDS.keys())
def test_a_status_callback_with_a_malformed_call_sid_is_acknowledged_and_ignored(
        client, db_session, redis_client, bad):
    response = post(client, "/twilio/voice/status", bad, CallStatus="completed",
                    CallDuration="12")
    assert response.status_code == 204
    nothing_stored(db_session, redis_client)


def test_out_of_bounds_fields_of_a_real_call_are_treated_as_absent(client, db_session):
    from ivr.models import Call

    response = post(client, "/twilio/voice/incoming", GOOD_SID, To="+661800000102\x00",
                    Called="+661800000102", From="+6681234567\x00")
    ET.fromstring(response.data)
    call = db_session.scalar(select(Call))
    assert call.call_sid == GOOD_SID
    assert call.number_called == "+661800000102"   # To was bad; Called stood in
    assert call.caller_id is None                   # From was bad: as if withheld
    long_digits = post(client, "/twilio/voice/main?lang=km&tries=0", GOOD_SID,
                       Digits="1" * 5000)
    ET.fromstring(long_digits.data)
