"""Security headers on every response the app sends.

The console shows case notes, recordings and callers' references, so its pages
must not run injected script, be framed by another site (clickjacking), or have
their content type guessed. TwiML and JSON carry the same headers harmlessly.

The policy allows script only from this origin: no inline `<script>` and no
`onclick=` attributes anywhere in the templates (behaviour lives in
`agent_console/static/*.js`). Inline *styles* stay allowed: the templates use
`style=` for layout and htmx adds its indicator style; neither can run code.
The Twilio Voice SDK (vendored, served from here) talks to Twilio over
https/wss and plays its ring tones from Twilio's servers.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "media-src 'self' blob: https://*.twilio.com",
    "connect-src 'self' https://*.twilio.com wss://*.twilio.com",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

# Two years, the preload list's minimum; sent only over https, where it means something.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    # Older browsers ignore frame-ancestors; DENY says the same to them.
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(req: Request) -> dict[str, str]:
    """The headers for a response to `req`. `req.scheme` is https behind a trusted
    proxy that says so (`helpline.proxy`), never because a client claims it."""
    headers = dict(HEADERS)
    if req.scheme == "https":
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    return headers


def init_app(app: Flask) -> None:
    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        for name, value in security_headers(request).items():
            response.headers.setdefault(name, value)
        return response
