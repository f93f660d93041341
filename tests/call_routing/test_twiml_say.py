"""The agent's side of a call speaks like the IVR: every <Say> names a voice that
speaks its language (Twilio's default voice speaks neither Thai nor Indonesian)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from call_routing import twiml
from prompts.resolver import Utterance
from prompts.twilio_say import say_voice


@pytest.mark.parametrize(("locale", "voice"), [("th-TH", "Google.th-TH-Standard-A"),
                                               ("id-ID", "Google.id-ID-Standard-A"),
                                               ("en-US", "Polly.Joanna")])
def test_connecting_prompt_says_with_the_languages_voice(locale, voice):
    connecting = Utterance("connecting", locale[:2], "say", text="...", say_language=locale)
    for xml in (twiml.bridge([connecting], client_identity="agent-1", number=None,
                             record=False, action_url="https://h/a",
                             recording_status_url="https://h/r"),
                twiml.conference("CA" + "1" * 32, record=False, recording_status_url="",
                                 action_url=None, ends_when_leaving=False,
                                 utterances=[connecting])):
        [say] = ET.fromstring(xml).iter("Say")
        assert (say.get("language"), say.get("voice")) == (locale, voice)
        assert say_voice(locale) == voice
