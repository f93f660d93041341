"""The softphone setup: a Twilio Voice access token in production, the stand-in's
simulated phone locally."""

from __future__ import annotations

import jwt
import pytest

from agent_console.softphone import SoftphoneNotConfigured, softphone_setup
from helpline.settings import load_settings
from tests.builders import TEST_ACCOUNT_SID, make_environ

API_KEY_SID = "SK" + "2" * 32
API_KEY_SECRET = "an-api-key-secret-that-is-32-bytes-long"
TWIML_APP_SID = "AP" + "3" * 32


def test_production_token_carries_a_voice_grant_for_the_agent(tmp_path):
    settings = load_settings(make_environ(tmp_path, TWILIO_ACCOUNT_SID=TEST_ACCOUNT_SID,
                                          PUBLIC_BASE_URL="https://helpline.example",
                                          TWILIO_API_KEY_SID=API_KEY_SID,
                                          TWILIO_API_KEY_SECRET=API_KEY_SECRET,
                                          TWILIO_TWIML_APP_SID=TWIML_APP_SID))
    setup = softphone_setup(settings, 17)
    assert setup.mode == "twilio" and setup.identity == "agent-17"
    claims = jwt.decode(setup.token, API_KEY_SECRET, algorithms=["HS256"],
                        options={"verify_aud": False})
    assert claims["iss"] == API_KEY_SID and claims["sub"] == TEST_ACCOUNT_SID
    assert claims["grants"]["identity"] == "agent-17"
    voice = claims["grants"]["voice"]
    assert voice["incoming"]["allow"] is True
    assert voice["outgoing"]["application_sid"] == TWIML_APP_SID


def test_without_api_keys_the_browser_softphone_is_not_configured(tmp_path):
    settings = load_settings(make_environ(tmp_path))
    with pytest.raises(SoftphoneNotConfigured):
        softphone_setup(settings, 1)


def test_with_the_local_stand_in_the_console_uses_the_simulated_phone(tmp_path):
    settings = load_settings(make_environ(tmp_path, TWILIO_API_BASE="http://127.0.0.1:5050"))
    setup = softphone_setup(settings, 4)
    assert setup.as_dict() == {"mode": "simulated", "identity": "agent-4",
                               "simulator_base": "http://127.0.0.1:5050"}


def test_softphone_endpoint_explains_missing_configuration(as_role):
    response = as_role("km_agent").get("/console/softphone")
    assert response.status_code == 503
    assert response.get_json()["error"] == "softphone_not_configured"


@pytest.mark.parametrize(("setting", "value"), [("TWILIO_API_KEY_SID", "AC123"),
                                                ("TWILIO_TWIML_APP_SID", "SK" + "1" * 32)])
def test_malformed_sids_stop_start_up_with_a_clear_line(tmp_path, setting, value):
    from helpline.settings import SettingsError
    with pytest.raises(SettingsError, match=setting):
        load_settings(make_environ(tmp_path, **{setting: value}))
