"""The one place a Twilio REST client is built.

With `TWILIO_API_BASE` set, every request twilio's own `Client` makes is sent to
the local stand-in instead of api.twilio.com: same client code, same auth, same
paths, so nothing in the app knows which Twilio it talks to.
"""

from __future__ import annotations

from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from helpline.settings import Settings

TWILIO_HOSTS = ("https://api.twilio.com",)


class RedirectingHttpClient(TwilioHttpClient):
    def __init__(self, api_base: str, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.api_base = api_base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        for host in TWILIO_HOSTS:
            if url.startswith(host):
                url = self.api_base + url[len(host):]
                break
        return super().request(method, url, *args, **kwargs)


def make_twilio_client(settings: Settings, timeout: float = 10.0) -> Client:
    http_client: TwilioHttpClient
    if settings.twilio_api_base:
        http_client = RedirectingHttpClient(settings.twilio_api_base, timeout=timeout)
    else:
        http_client = TwilioHttpClient(timeout=timeout)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token,
                  http_client=http_client)
