"""How an agent's browser answers calls.

In production: Twilio's Voice JavaScript SDK, with a short-lived access token
carrying a VoiceGrant for the identity `agent-<id>` (the routing engine dials
`<Client>agent-<id></Client>`). With the local stand-in there is no Twilio to
register with, so the console drives the stand-in's simulated softphone instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpline.settings import Settings

TOKEN_TTL_SECONDS = 3600


class SoftphoneNotConfigured(Exception):
    code = "softphone_not_configured"


@dataclass(frozen=True)
class SoftphoneSetup:
    mode: str  # "twilio" or "simulated"
    identity: str
    token: str | None = None
    ttl_seconds: int | None = None
    simulator_base: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


def client_identity(user_id: int) -> str:
    return f"agent-{user_id}"


def softphone_setup(settings: Settings, user_id: int) -> SoftphoneSetup:
    identity = client_identity(user_id)
    if settings.uses_local_twilio:
        return SoftphoneSetup(mode="simulated", identity=identity,
                              simulator_base=settings.twilio_api_base)
    if not (settings.twilio_api_key_sid and settings.twilio_api_key_secret
            and settings.twilio_twiml_app_sid):
        raise SoftphoneNotConfigured(
            "set TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID "
            "to answer calls in the browser")
    from twilio.jwt.access_token import AccessToken
    from twilio.jwt.access_token.grants import VoiceGrant

    token = AccessToken(settings.twilio_account_sid, settings.twilio_api_key_sid,
                        settings.twilio_api_key_secret, identity=identity,
                        ttl=TOKEN_TTL_SECONDS)
    token.add_grant(VoiceGrant(outgoing_application_sid=settings.twilio_twiml_app_sid,
                               incoming_allow=True))
    return SoftphoneSetup(mode="twilio", identity=identity, token=token.to_jwt(),
                          ttl_seconds=TOKEN_TTL_SECONDS)
