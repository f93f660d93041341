"""Twilio's two ways of signing a webhook, checked against twilio's Node library (an
implementation independent of the Python one the app validates with):

- classic: HMAC-SHA1 over the URL and sorted parameters, keyed with the auth token;
- SharedKey (a Webhooks Rule matched the URL): the same string keyed with the key's
  secret, the algorithm named in X-Twilio-Webhooks-Signature-Settings
  (https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys).

The Node library is installed from npm into tests/node (package.json pins it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.app import create_app
from helpline.settings import load_settings
from simulator.voice.webhooks import SharedKey
from tests.builders import TEST_AUTH_TOKEN, make_environ

NODE_DIR = Path(__file__).parents[1] / "node"
SHARED_SECRET = "shared-key-secret-0123456789abcdef"
OLD_SECRET = "shared-key-secret-being-rotated-out"
KEY_ID = "webhooks_sharedkey_01jx5t0r4v9k2b7m3n8q6w1e2z"
PATH = "/twilio/voice/incoming"
PARAMS = {"CallSid": "CA" + "7" * 32, "AccountSid": "AC" + "0" * 31 + "1",
          "From": "+66812345678", "To": "+661800000102", "CallStatus": "ringing",
          "Direction": "inbound", "ApiVersion": "2010-04-01"}


class NodeSigner:
    def __init__(self) -> None:
        self.process = subprocess.Popen(["node", str(NODE_DIR / "sign.js")], cwd=NODE_DIR,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def sign(self, secret: str, url: str, params: dict[str, str],
             algorithm: str = "HMAC_SHA1") -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"secret": secret, "url": url, "params": params,
                                             "algorithm": algorithm}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert answer["valid"] is True            # the Node library accepts its own
        assert answer["header"] == "X-Twilio-Webhooks-Signature-Settings"
        return str(answer["signature"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


@pytest.fixture(scope="module")
def node() -> Iterator[NodeSigner]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "twilio").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       timeout=300, capture_output=True)
    signer = NodeSigner()
    yield signer
    signer.close()


@pytest.fixture
def client(tmp_path, database_url, redis_url, redis_client):
    settings = load_settings(make_environ(
        tmp_path, DATABASE_URL=database_url, REDIS_URL=redis_url,
        TWILIO_WEBHOOK_SHARED_KEY_SECRETS=f"{SHARED_SECRET},{OLD_SECRET}"))
    app = create_app(settings, test_config={"TESTING": True})
    yield app.test_client()
    app.extensions["helpline"].db.dispose()


def post(client, signature: str, settings_header: str | None = None):
    headers = {"X-Twilio-Signature": signature}
    if settings_header is not None:
        headers["X-Twilio-Webhooks-Signature-Settings"] = settings_header
    return client.post(PATH, data=PARAMS, headers=headers)


def test_classic_auth_token_signature_from_node_is_accepted(client, node):
    signature = node.sign(TEST_AUTH_TOKEN, "http://localhost" + PATH, PARAMS)
    response = post(client, signature)
    assert response.status_code == 200 and b"<Response>" in response.data


@pytest.mark.parametrize("algorithm", ["HMAC_SHA256", "HMAC_SHA1"])
@pytest.mark.parametrize("secret", [SHARED_SECRET, OLD_SECRET])
def test_shared_key_signature_from_node_is_accepted(client, node, algorithm, secret):
    signature = node.sign(secret, "http://localhost" + PATH, PARAMS, algorithm)
    response = post(client, signature, f"key={KEY_ID},algorithm={algorithm}")
    assert response.status_code == 200 and b"<Response>" in response.data


def test_shared_key_signatures_are_checked_not_waved_through(client, node):
    url = "http://localhost" + PATH
    header = f"key={KEY_ID},algorithm=HMAC_SHA256"
    # Another secret; the auth token (Twilio never signs a SharedKey webhook with it);
    # the right secret with the algorithm the header does not name; unknown algorithm.
    assert post(client, node.sign("another-secret-0123456789", url, PARAMS, "HMAC_SHA256"),
                header).status_code == 403
    assert post(client, node.sign(TEST_AUTH_TOKEN, url, PARAMS, "HMAC_SHA256"),
                header).status_code == 403
    assert post(client, node.sign(SHARED_SECRET, url, PARAMS, "HMAC_SHA1"),
                header).status_code == 403
    assert post(client, node.sign(SHARED_SECRET, url, PARAMS, "HMAC_SHA256"),
                f"key={KEY_ID},algorithm=HMAC_SHA512").status_code == 403
    # A SharedKey signature without the header is not an auth-token signature either.
    assert post(client, node.sign(SHARED_SECRET, url, PARAMS, "HMAC_SHA256")
                ).status_code == 403


def test_without_a_configured_secret_shared_key_webhooks_are_refused(tmp_path, node,
                                                                      database_url,
                                                                      redis_url,
                                                                      redis_client):
    settings = load_settings(make_environ(tmp_path, DATABASE_URL=database_url,
                                          REDIS_URL=redis_url))
    app = create_app(settings, test_config={"TESTING": True})
    try:
        signature = node.sign(SHARED_SECRET, "http://localhost" + PATH, PARAMS,
                              "HMAC_SHA256")
        response = post(app.test_client(), signature, f"key={KEY_ID},algorithm=HMAC_SHA256")
        assert response.status_code == 403
    finally:
        app.extensions["helpline"].db.dispose()


@pytest.fixture
def stand_in_environ() -> dict[str, str]:
    return {"TWILIO_WEBHOOK_SHARED_KEY_SECRETS": SHARED_SECRET}


def test_a_call_signed_with_a_shared_key_reaches_the_ivr(stand_in):
    """The stand-in signs every webhook as a Webhooks Rule over all URLs would."""
    stand_in.engine.http.shared_key = SharedKey(KEY_ID, SHARED_SECRET)
    result = stand_in.call(to="+661800000102", press=["1"], hangup_after=20)
    assert result.webhooks and all(hook["status"] in (200, 204) for hook in result.webhooks)
    assert not [notice for notice in result.notices if notice["fatal"]]
    assert len(result.prompt_ids) >= 2
