"""Login limits: an address guessing across accounts is stopped, an account under
attack slows down, and the owner of the right password still gets in. Real Redis,
the real login form, CSRF on."""

from __future__ import annotations

import re
import time
from collections import Counter

from argon2 import PasswordHasher
from sqlalchemy import select

from agent_console.login_devices import COOKIE_NAME
from agent_console.login_throttle import ACCOUNT_FREE_FAILURES, ADDRESS_MAX_FAILURES
from agent_console.models import StaffUser
from agent_console.staff import verify_password
from tests.console_fixtures import PASSWORD, ConsoleClient, add_staff

ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


def client_at(app, address: str) -> ConsoleClient:
    client = ConsoleClient(app)
    client.http.environ_base["REMOTE_ADDR"] = address
    return client


def ten_accounts(app, password_hash: str) -> list[StaffUser]:
    return [add_staff(app, password_hash, email=f"agent{n}@example.org", role="agent",
                      skills={"km": 3}, display_name=f"Agent {n}") for n in range(10)]


def test_fifty_wrong_passwords_from_one_address_across_ten_accounts(
        csrf_app, password_hash, redis_client):
    accounts = ten_accounts(csrf_app, password_hash)
    attacker = client_at(csrf_app, ATTACKER)
    statuses = [attacker.login(account.email, f"guess {n}").status_code
                for n in range(5) for account in accounts]
    # Only the address's budget of guesses was checked at all; the rest were refused.
    assert Counter(statuses) == {401: ADDRESS_MAX_FAILURES, 429: 50 - ADDRESS_MAX_FAILURES}
    assert statuses[:ADDRESS_MAX_FAILURES] == [401] * ADDRESS_MAX_FAILURES
    refused = attacker.login(accounts[0].email)  # even the right password, from there
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Every owner still logs in from their own address.
    for account in accounts:
        assert client_at(csrf_app, OWNER).login(account.email).status_code == 302
    # Nothing in Redis names an account or an address.
    keys = b" ".join(redis_client.keys("*")).decode()
    assert "console:login:address:" in keys
    assert "example.org" not in keys and ATTACKER not in keys and "agent0" not in keys


def test_an_email_without_an_account_is_answered_like_one_with(csrf_app, password_hash):
    add_staff(csrf_app, password_hash, email="real@example.org", role="agent",
              skills={"km": 3}, display_name="Real")
    def page(response, email: str) -> str:
        # The page as the attacker compares it: its CSRF tokens are fresh each time.
        html = response.get_data(as_text=True).replace(email, "E")
        return re.sub(r'(name="csrf[-_]token"\s+(?:content|value)=")[^"]+"', r"\1", html)

    answers = {}
    for email, address in (("real@example.org", "192.0.2.1"),
                           ("nobody@example.org", "192.0.2.2")):
        client = client_at(csrf_app, address)
        answers[email] = [(r.status_code, page(r, email))
                          for r in (client.login(email, f"guess {n}") for n in range(6))]
    assert answers["real@example.org"] == answers["nobody@example.org"]
    assert [status for status, _ in answers["nobody@example.org"]] == [401] * 5 + [429]


def test_an_account_guessed_from_many_addresses_slows_down_but_its_owner_gets_in(
        csrf_app, password_hash):
    owner = add_staff(csrf_app, password_hash, email="target@example.org", role="agent",
                      skills={"km": 3}, display_name="Target")
    for n in range(ACCOUNT_FREE_FAILURES + 1):
        assert client_at(csrf_app, f"203.0.113.{n + 10}").login(
            owner.email, "guess").status_code == 401
    # Past the free failures, a guess from a fresh address must wait...
    slowed = client_at(csrf_app, "203.0.113.200").login(owner.email, "guess")
    assert slowed.status_code == 429
    wait = int(slowed.headers["Retry-After"])
    # One failure past the free ones: the first step of 2**n, two seconds (less what
    # has passed, rounded up) — not the 30 s cap, not the 15-minute window.
    assert wait in (1, 2)
    # ...seconds, not the window: then the owner of the right password is in.
    time.sleep(wait + 0.2)
    assert client_at(csrf_app, OWNER).login(owner.email).status_code == 302


def test_the_owners_own_browser_does_not_wait_for_the_account(csrf_app, password_hash):
    owner = add_staff(csrf_app, password_hash, email="target@example.org", role="agent",
                      skills={"km": 3}, display_name="Target")
    own_browser = client_at(csrf_app, OWNER)
    assert own_browser.login(owner.email).status_code == 302
    device = own_browser.http.get_cookie(COOKIE_NAME)
    assert device is not None and "target" not in device.value
    assert own_browser.post("/logout").status_code == 302
    for n in range(ACCOUNT_FREE_FAILURES + 1):
        client_at(csrf_app, f"203.0.113.{n + 10}").login(owner.email, "guess")
    # A stranger's browser waits for the account; the owner's own does not, from
    # wherever they are now.
    assert client_at(csrf_app, "198.51.100.99").login(owner.email).status_code == 429
    own_browser.http.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert own_browser.login(owner.email).status_code == 302
    # The cookie vouches for its own account only.
    other = add_staff(csrf_app, password_hash, email="other@example.org", role="agent",
                      skills={"km": 3}, display_name="Other")
    for n in range(ACCOUNT_FREE_FAILURES + 1):
        client_at(csrf_app, f"203.0.113.{n + 40}").login(other.email, "guess")
    assert own_browser.post("/logout").status_code == 302
    assert own_browser.login(other.email).status_code == 429


def test_a_hash_made_with_weaker_parameters_is_replaced_on_login(csrf_app):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    user = add_staff(csrf_app, weak, email="old@example.org", role="agent",
                     skills={"km": 3}, display_name="Old")
    assert client_at(csrf_app, OWNER).login(user.email).status_code == 302
    with csrf_app.extensions["helpline"].db.session() as session:
        stored = session.scalar(select(StaffUser.password_hash)
                                .where(StaffUser.id == user.id))
    assert stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)
    assert verify_password(stored, PASSWORD)
    # A hash with today's parameters is left as it is.
    assert client_at(csrf_app, OWNER).login(user.email).status_code == 302
    with csrf_app.extensions["helpline"].db.session() as session:
        assert session.scalar(select(StaffUser.password_hash)
                              .where(StaffUser.id == user.id)) == stored
