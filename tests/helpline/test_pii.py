"""Caller numbers: normalised, linked by HMAC, encrypted — never stored in plaintext."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from helpline.db import Base
from helpline.pii import (
    InvalidPhoneNumber,
    PiiProtector,
    caller_reference,
    mask_number,
    normalise_number,
)
from ivr.models import Call, CallbackRequest, Caller, CallEvent
from tests.builders import TEST_PII_KEY

KEY = b"k" * 32


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+66 81 234 5678", None, "+66812345678"),
    ("081-234-5678", "TH", "+66812345678"),
    ("+95 9 7812 3456", None, "+95978123456"),
    ("012 345 678", "KH", "+85512345678"),
])
def test_numbers_are_normalised_to_e164(raw, region, e164):
    assert normalise_number(raw, region) == e164


@pytest.mark.parametrize("raw", ["", "hello", "+1", "12"])
def test_impossible_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalise_number(raw, "TH")


def test_link_key_is_stable_keyed_and_irreversible():
    protector = PiiProtector(KEY)
    key = protector.link_key("+66812345678")
    assert key == PiiProtector(KEY).link_key("+66812345678")
    assert key != PiiProtector(b"x" * 32).link_key("+66812345678")
    assert len(key) == 64 and "812345678" not in key


def test_encryption_round_trips_and_needs_the_same_key():
    protector = PiiProtector(KEY)
    token = protector.encrypt("+66812345678")
    assert "812345678" not in token
    assert protector.decrypt(token) == "+66812345678"
    with pytest.raises(ValueError):
        PiiProtector(b"y" * 32).decrypt(token)


def test_mask_shows_only_country_and_last_two_digits():
    assert mask_number("+66812345678") == "+66 •••••••78"
    assert "2345" not in mask_number("+959781234567")
    assert caller_reference("7f3a91b2ffff") == "C-7F3A-91B2"


def test_no_plaintext_number_in_any_database_column(services, db_session):
    number = "+66812345678"
    pii = services.pii
    caller = Caller(number_hmac=pii.link_key(number), number_encrypted=pii.encrypt(number))
    db_session.add(caller)
    db_session.flush()
    call = Call(call_sid="CA" + "a" * 32, number_called="+661800000102", caller=caller,
                language="km")
    db_session.add(call)
    db_session.flush()
    db_session.add(CallEvent(call_id=call.id, kind="language_chosen", detail={"language": "km"}))
    db_session.add(CallbackRequest(call_id=call.id, caller_id=caller.id, language="km",
                                   number_encrypted=pii.encrypt(number)))
    db_session.commit()

    digits = number.lstrip("+")
    national = digits[2:]
    found = []
    connection = db_session.connection()
    for table in Base.metadata.sorted_tables:
        for row in connection.execute(select(table)):
            for column, value in row._mapping.items():
                if value is not None and (digits in str(value) or national in str(value)):
                    found.append(f"{table.name}.{column}")
    assert found == []
    stored = db_session.scalar(select(Caller.number_encrypted))
    assert pii.decrypt(stored) == number


def test_the_test_key_is_a_valid_key():
    import base64

    assert len(base64.urlsafe_b64decode(TEST_PII_KEY)) == 32


def test_every_table_is_known_to_the_migrations(services):
    tables = set(inspect(services.db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with services.db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM callers")).scalar() == 0
