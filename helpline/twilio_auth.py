"""The one check every `/twilio/*` route makes: a valid `X-Twilio-Signature`.

Twilio signs the URL it was configured with. Behind a proxy or tunnel the URL
Flask sees differs (http vs https, internal host), so the URL is rebuilt from
`PUBLIC_BASE_URL` when set, else from the request's scheme and host — which are
the proxy's `X-Forwarded-Proto`/`-Host` only when `TRUSTED_PROXY_HOPS` says a
proxy is there (`ProxyFix` in `helpline.app`); a client's own headers are ignored.

The signature must cover exactly what the views read, one value per name. Twilio's
voice, status and recording webhooks send each parameter once (no repeated names
are documented for them; the array parameters Twilio has are in other products'
webhooks), so a name that comes twice — in the form, in the query, or once in each —
is refused rather than guessed at: a view reading the first value and a check
reading all of them (or the other way round) is how a forged value slips past a
valid signature. File parts are refused too: the signature never covers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Request, abort, request
from twilio.request_validator import (
    HMAC_SHA1,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from helpline.services import services

log = logging.getLogger("helpline.twilio")


def public_base(req: Request, public_base_url: str | None) -> str:
    """The scheme, host (and any path prefix) Twilio reaches this app at: the base of
    every URL handed to Twilio and of the URL it signs."""
    if public_base_url:
        return public_base_url.rstrip("/")
    # script_root: a path prefix the trusted proxy announced (X-Forwarded-Prefix).
    return f"{req.scheme}://{req.host}{req.script_root}"


def public_url(req: Request, public_base_url: str | None) -> str:
    """The URL Twilio used to reach this request (what it signed)."""
    query = req.query_string.decode("latin-1")
    return public_base(req, public_base_url) + req.path + (f"?{query}" if query else "")


def is_valid_twilio_request(req: Request, auth_token: str, public_base_url: str | None,
                            shared_key_secrets: tuple[str, ...] = ()) -> bool:
    """Classic signing (HMAC-SHA1 with the auth token), or, when Twilio sends
    X-Twilio-Webhooks-Signature-Settings (a Webhooks Rule matched the URL), the
    SharedKey's secret and the algorithm that header names (HMAC_SHA256 or HMAC_SHA1)
    — the same signed string either way. With that header the auth token is not
    tried: Twilio signed with the key, so only the key's secret can match."""
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature or not has_one_value_per_name(req):
        return False
    settings_header = req.headers.get(SIGNATURE_SETTINGS_HEADER, "").strip()
    if settings_header:
        secrets, algorithm = shared_key_secrets, get_signature_algorithm(settings_header)
        if not secrets:
            log.warning("a webhook signed with a Twilio SharedKey was refused: set "
                        "TWILIO_WEBHOOK_SHARED_KEY_SECRETS to the key's secret")
    else:
        secrets, algorithm = (auth_token,), HMAC_SHA1
    params = req.form.to_dict(flat=True) if req.method == "POST" else {}
    url = public_url(req, public_base_url)
    return any(RequestValidator(secret).validate(url, params, signature, algorithm)
               for secret in secrets)


def has_one_value_per_name(req: Request) -> bool:
    """No parameter name repeated within or across the query and the form, and no
    file parts: then `request.form[name]` and `request.args[name]` are all there is."""
    form, query = req.form, req.args
    if req.files:
        return False
    if any(len(values) > 1 for values in (*form.listvalues(), *query.listvalues())):
        return False
    return not set(form.keys()) & set(query.keys())


def twilio_request(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: 403 unless the request is signed with our Twilio auth token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = services().settings
        if not is_valid_twilio_request(request, settings.twilio_auth_token,
                                       settings.public_base_url,
                                       settings.twilio_webhook_shared_key_secrets):
            abort(403)
        return view(*args, **kwargs)

    return wrapper
