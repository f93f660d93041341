"""Malformed CallSids in routing's webhooks (the bridge, the interpreter conference,
callback legs): never echoed into TwiML — the `<Conference>` room is named by the
CallSid — and the answer stays well-formed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from tests.builders import signed_post
from tests.ivr.test_webhook_bounds import BAD_SIDS, GOOD_SID


def well_formed(response) -> ET.Element:
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)   # raises on a NUL or a broken document
    assert root.tag == "Response"
    return root


@pytest.mark.parametrize("bad", sorted(BAD_SIDS))
def test_a_malformed_call_in_the_conference_url_never_names_a_room(client, bad):
    response = signed_post(client, f"/twilio/voice/bridge/conference?call={quote(BAD_SIDS[bad])}",
                           {"CallSid": "CA" + "7" * 32, "AccountSid": "AC" + "1" * 32})
    root = well_formed(response)
    assert root.find(".//Conference") is None
    assert [element.tag for element in root] == ["Hangup"]


@pytest.mark.parametrize("path", ["/twilio/voice/bridge", "/twilio/voice/bridge/ended",
                                  "/twilio/voice/bridge/conference"])
@pytest.mark.parametrize("bad", sorted(BAD_SIDS))
def test_a_malformed_callsid_gets_well_formed_twiml_without_it(client, path, bad):
    response = signed_post(client, path, {"CallSid": BAD_SIDS[bad],
                                          "AccountSid": "AC" + "1" * 32})
    assert BAD_SIDS[bad].encode()[:34] not in response.data or bad == "newline"
    well_formed(response)


def test_a_well_formed_agent_leg_joins_the_callers_room(client):
    response = signed_post(client, f"/twilio/voice/bridge/conference?call={GOOD_SID}",
                           {"CallSid": "CA" + "7" * 32, "AccountSid": "AC" + "1" * 32})
    assert well_formed(response).find(".//Conference").text == GOOD_SID
