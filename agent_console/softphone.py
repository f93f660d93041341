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


# The stand-in's simulated softphone, driven through this server (the browser never
# talks to the stand-in directly: another origin, and no CSRF protection there).
SIMULATED_BEHAVIOUR = {"manual": True, "answer_after": None, "talk_seconds": None,
                       "say": "Hello, this is the helpline.", "voice": "en"}
SIMULATOR_TIMEOUT_SECONDS = 5


def simulated_phone(settings: Settings, user_id: int, action: str) -> tuple[bool, str]:
    """register / answer / hangup the agent's simulated softphone → (done, reason)."""
    import requests

    if not settings.twilio_api_base:
        raise SoftphoneNotConfigured("there is no local stand-in (TWILIO_API_BASE is unset)")
    url = f"{settings.twilio_api_base}/sim/clients/{client_identity(user_id)}"
    try:
        if action == "register":
            response = requests.post(url, json=SIMULATED_BEHAVIOUR,
                                     timeout=SIMULATOR_TIMEOUT_SECONDS)
        else:
            response = requests.post(f"{url}/{action}", timeout=SIMULATOR_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return False, f"stand-in unreachable: {type(exc).__name__}"
    if response.ok:
        return True, "ok"
    try:
        reason = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        reason = f"http_{response.status_code}"
    return False, reason
