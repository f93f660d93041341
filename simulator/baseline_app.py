"""The benchmark's yardstick: the least a Twilio webhook can be in Flask.

It checks the request's signature the way the app does (twilio's RequestValidator)
and answers a fixed TwiML document of the app's size. Served by gunicorn with the
app's own options, it is what the app would achieve if the helpline did nothing:
`helpline bench webhooks --baseline` reports the app's throughput as a share of it.
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

# The size of the app's language menu: a <Gather> with a few <Play>s.
FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="{base}/twilio/voice/language?tries=0" actionOnEmptyResult="true" '
    'method="POST" timeout="6">'
    + "".join(f'<Play>{{base}}/prompts/audio/my/language_option.wav?digit={digit}'
              f'&amp;v=0123456789</Play>' for digit in range(1, 6))
    + "</Gather></Response>")


def create_baseline_app() -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"].rstrip("/")
    document = FIXED_TWIML.replace("{base}", base)

    @app.post("/twilio/voice/incoming")
    def incoming() -> Response:
        url = base + request.full_path.rstrip("?")
        if not validator.validate(url, request.form.to_dict(),
                                  request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return Response(document, mimetype="text/xml")

    @app.get("/healthz/live")
    def live() -> str:
        return "ok"

    return app


app = create_baseline_app() if "TWILIO_AUTH_TOKEN" in os.environ else None
