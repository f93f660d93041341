"""Talking to Twilio (or the local stand-in) about one recording: fetch its media,
delete it. The URL is built from the RecordingSid through twilio's own REST
resource, never taken from the callback form, so a forged callback cannot point
the worker at another host.
"""

from __future__ import annotations

from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException

from helpline.twilio_client import RedirectingHttpClient
from recordings import errors
from recordings.errors import RecordingError

MEDIA_SUFFIX = ".wav"  # Twilio's original: 8 kHz, every channel kept
CONNECT_TIMEOUT = 5.0
# No byte for 30 s means stalled (a slow link still sends): the download is retried
# later, so one stalled transfer holds the recordings worker 30 s, not minutes.
READ_TIMEOUT = 30.0


def media_url(client: Any, recording_sid: str, suffix: str = MEDIA_SUFFIX) -> str:
    resource = client.api.v2010.account.recordings(recording_sid)
    uri = resource._uri.removesuffix(".json") + suffix
    url = str(client.api.v2010.absolute_url(uri))
    http_client = client.http_client
    if isinstance(http_client, RedirectingHttpClient):
        # Same rewrite the client applies to its own requests (TWILIO_API_BASE).
        host = "https://api.twilio.com"
        if url.startswith(host):
            url = http_client.api_base + url[len(host):]
    return url


def fetch_media(client: Any, recording_sid: str) -> bytes:
    """The recording's bytes, or RecordingError (transient ones are worth a retry).

    twilio's HttpClient returns bodies as text, which mangles binary audio, so the
    bytes come through the same requests session with the same credentials.
    """
    url = media_url(client, recording_sid)
    session = getattr(client.http_client, "session", None) or requests.Session()
    try:
        response = session.get(url, auth=(client.username, client.password),
                               timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=True)
        body = response.content
    except requests.RequestException as exc:
        raise RecordingError(errors.TWILIO_UNAVAILABLE,
                             f"could not reach Twilio ({type(exc).__name__})",
                             permanent=False) from exc
    status = response.status_code
    if status == 404:
        raise RecordingError(errors.NOT_FOUND_AT_TWILIO,
                             "Twilio has no such recording (404)")
    if status == 429 or status >= 500:
        raise RecordingError(errors.TWILIO_UNAVAILABLE,
                             f"Twilio answered {status}; will retry", permanent=False)
    if status >= 400:
        raise RecordingError(errors.REFUSED_BY_TWILIO,
                             f"Twilio refused the download ({status}); check the "
                             "account SID and auth token")
    expected = response.headers.get("Content-Length")
    if expected is not None and expected.isdigit() and int(expected) != len(body):
        raise RecordingError(errors.TWILIO_UNAVAILABLE,
                             f"download cut short ({len(body)} of {expected} bytes)",
                             permanent=False)
    return body


def delete_at_twilio(client: Any, recording_sid: str) -> None:
    """Deletes Twilio's copy; a recording already gone counts as deleted."""
    try:
        client.api.v2010.account.recordings(recording_sid).delete()
    except TwilioRestException as exc:
        if exc.status == 404:
            return
        raise RecordingError(errors.TWILIO_UNAVAILABLE,
                             f"Twilio did not delete the recording ({exc.status})",
                             permanent=exc.status < 500 and exc.status != 429) from exc
    except requests.RequestException as exc:
        raise RecordingError(errors.TWILIO_UNAVAILABLE,
                             f"could not reach Twilio to delete ({type(exc).__name__})",
                             permanent=False) from exc
