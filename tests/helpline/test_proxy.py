"""TRUSTED_PROXY_HOPS: X-Forwarded-* believed only from a proxy the operator names,
for the client address (login throttle) and the public URL (Twilio signatures)."""

from __future__ import annotations

import pytest

from agent_console.login_throttle import ADDRESS_MAX_FAILURES
from agent_console.staff import hash_password
from helpline.app import create_app
from helpline.settings import SettingsError, load_settings
from tests.builders import make_environ, signed_post
from tests.console_fixtures import PASSWORD, ConsoleClient, add_staff

PROXY = "10.0.0.2"
INCOMING = {"CallSid": "CA" + "1" * 32, "AccountSid": "AC" + "1" * 32, "From": "+66812345678",
            "To": "+661800000102", "CallStatus": "ringing", "Direction": "inbound",
            "ApiVersion": "2010-04-01"}
FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "helpline.example"}


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def app_with_hops(tmp_path, database_url, redis_url, redis_client):
    apps = []

    def make(hops: str):
        settings = load_settings(make_environ(tmp_path, DATABASE_URL=database_url,
                                              REDIS_URL=redis_url, TRUSTED_PROXY_HOPS=hops))
        app = create_app(settings, test_config={"TESTING": True, "WTF_CSRF_ENABLED": True})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["helpline"].db.dispose()


def behind_proxy(app, forwarded_for: str) -> ConsoleClient:
    client = ConsoleClient(app)
    client.http.environ_base.update(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client


def exhaust_address_budget(app, forwarded_for: str) -> None:
    client = behind_proxy(app, forwarded_for)
    for n in range(ADDRESS_MAX_FAILURES):
        client.login(f"agent{n % 10}@example.org", "guess")


def test_with_one_hop_x_forwarded_for_is_the_client_for_the_throttle(app_with_hops,
                                                                      password_hash):
    app = app_with_hops("1")
    owner = add_staff(app, password_hash, email="owner@example.org", role="agent",
                      skills={"km": 3}, display_name="Owner")
    exhaust_address_budget(app, "203.0.113.9")
    assert behind_proxy(app, "203.0.113.9").login(owner.email).status_code == 429
    # A value the attacker puts in front of the proxy's own does not get them out.
    assert behind_proxy(app, "192.0.2.77, 203.0.113.9").login(owner.email).status_code == 429
    # The owner, another client of the same proxy, logs in.
    assert behind_proxy(app, "198.51.100.7").login(owner.email).status_code == 302


def test_with_no_hops_x_forwarded_for_is_ignored(app_with_hops, password_hash):
    app = app_with_hops("0")
    owner = add_staff(app, password_hash, email="owner@example.org", role="agent",
                      skills={"km": 3}, display_name="Owner")
    exhaust_address_budget(app, "203.0.113.9")
    # Everyone is the proxy's address: a claimed X-Forwarded-For changes nothing.
    assert behind_proxy(app, "198.51.100.7").login(owner.email).status_code == 429


def test_with_one_hop_the_signed_url_is_the_forwarded_proto_and_host(app_with_hops):
    client = app_with_hops("1").test_client()
    response = signed_post(client, "/twilio/voice/incoming", INCOMING,
                           base_url="https://helpline.example", headers=FORWARDED_HTTPS)
    assert response.status_code == 200
    # Every URL handed back to Twilio is on the public address too.
    assert b"https://helpline.example/twilio/voice/" in response.data
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_with_no_hops_forwarded_headers_do_not_change_the_signed_url(app_with_hops):
    client = app_with_hops("0").test_client()
    forged = signed_post(client, "/twilio/voice/incoming", INCOMING,
                         base_url="https://helpline.example", headers=FORWARDED_HTTPS)
    assert forged.status_code == 403
    assert "Strict-Transport-Security" not in forged.headers  # plain http, whatever is claimed
    direct = signed_post(client, "/twilio/voice/incoming", INCOMING, headers=FORWARDED_HTTPS)
    assert direct.status_code == 200


@pytest.mark.parametrize("raw", ["-1", "two", "9"])
def test_a_bad_hop_count_stops_start_up_with_one_line(tmp_path, raw):
    with pytest.raises(SettingsError) as error:
        load_settings(make_environ(tmp_path, TRUSTED_PROXY_HOPS=raw))
    assert str(error.value).startswith("TRUSTED_PROXY_HOPS: ")
