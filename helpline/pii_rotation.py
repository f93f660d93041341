"""Rotating `HELPLINE_PII_KEY` without losing a callback number or a repeat caller.

1. The operator lists a new key first (`NEW,OLD`) and restarts: new tokens and links
   use NEW; OLD still decrypts, and callers stored under OLD are still found (and
   moved to NEW when they call, `relink_caller`).
2. `helpline pii rotate` (`rotate`): every stored encrypted number is re-encrypted
   under NEW; every caller link not made with NEW is re-derived with NEW from the
   caller's number where we hold one (their own or a callback request's), and
   otherwise layered — HMAC(NEW, stored link), version `OLD>NEW` — with OLD's HMAC
   key kept in `caller_link_versions`, sealed under NEW, so lookups still work.
3. The operator drops OLD and restarts. Nothing stored can then be read, or a link
   recomputed, with OLD alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agent_console.models import StaffUser
from helpline.db import Database
from helpline.pii import CHAIN, PiiProtector, caller_reference
from ivr.models import CallbackRequest, Caller, CallerLinkVersion

BATCH = 500


@dataclass
class RotationReport:
    key_version: str
    tokens_reencrypted: int = 0
    tokens_unreadable: int = 0
    links_rederived: int = 0
    links_layered: int = 0
    links_unknown_key: int = 0

    @property
    def complete(self) -> bool:
        """True when the retired keys can be dropped without losing anything."""
        return not (self.tokens_unreadable or self.links_unknown_key)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "complete": self.complete}


def load_link_history(session: Session, pii: PiiProtector) -> None:
    """Teach `pii` the chained versions in use and their retired HMAC keys (once per
    process: new chains appear only in a rotation, which a process running with
    its keys can follow without them, see `PiiProtector.link_candidates`)."""
    if pii.history_loaded:
        return
    for row in session.scalars(select(CallerLinkVersion)):
        try:
            keys = pii.open_link_keys(row.sealed_keys)
        except ValueError:
            continue  # sealed with a key no longer listed: its callers can't be found
        pii.remember_link_keys(keys, [row.version])
    pii.history_loaded = True


def relink_caller(session: Session, pii: PiiProtector, e164: str) -> None:
    """Before a call is stored: a caller stored under older keys is moved to the
    current link (we hold their number now), keeping the reference agents know.
    Nothing to do, and no query, while only one key was ever used."""
    load_link_history(session, pii)
    candidates = pii.link_candidates(e164)
    current = pii.link_key(e164)
    if set(candidates) == {current}:
        return
    rows = session.execute(select(Caller.id, Caller.number_hmac, Caller.number_hmac_version,
                                  Caller.reference)
                           .where(Caller.number_hmac.in_(list(candidates)))).all()
    on_current = next((row for row in rows if row.number_hmac == current), None)
    if on_current is not None:
        if on_current.number_hmac_version != pii.version:
            # Made before links carried a version: say which key made it, so a
            # rotation need not guess.
            session.execute(update(Caller).where(Caller.id == on_current.id)
                            .values(number_hmac_version=pii.version))
        return
    if rows:
        row = rows[0]
        session.execute(update(Caller).where(Caller.id == row.id).values(
            number_hmac=current, number_hmac_version=pii.version,
            reference=row.reference or caller_reference(row.number_hmac)))


def rotate(db: Database, pii: PiiProtector) -> RotationReport:
    """Re-encrypt every stored number and re-key every caller link under the newest
    key. Safe to run again (and to interrupt): each batch commits on its own."""
    report = RotationReport(key_version=pii.version)
    for model, column in ((Caller, Caller.number_encrypted),
                          (CallbackRequest, CallbackRequest.number_encrypted),
                          (StaffUser, StaffUser.phone_encrypted)):
        _reencrypt(db, pii, model, column, report)
    with db.session() as session:
        load_link_history(session, pii)
    _rekey_callers(db, pii, report)
    _reseal_link_versions(db, pii, report)
    return report


def _reencrypt(db: Database, pii: PiiProtector, model, column, report: RotationReport) -> None:
    for session, rows in _batches(db, select(model.id, column).where(column.is_not(None))):
        for row_id, token in rows:
            try:
                fresh = pii.reencrypt(token)
            except ValueError:
                report.tokens_unreadable += 1
                continue
            # Only if unchanged since read: a number replaced meanwhile is new already.
            moved = session.execute(update(model).where(model.id == row_id, column == token)
                                    .values({column: fresh}))
            report.tokens_reencrypted += moved.rowcount  # type: ignore[attr-defined]


def _rekey_callers(db: Database, pii: PiiProtector, report: RotationReport) -> None:
    # Not yet under the current key: neither made with it nor layered with it.
    query = (select(Caller.id, Caller.number_hmac, Caller.number_hmac_version,
                    Caller.number_encrypted, Caller.reference)
             .where(Caller.number_hmac_version.is_(None)
                    | ((Caller.number_hmac_version != pii.version)
                       & Caller.number_hmac_version.not_like(f"%{CHAIN}{pii.version}"))))
    for session, rows in _batches(db, query):
        for row in rows:
            # No version: stored before links had one, with one of the listed keys.
            version = row.number_hmac_version or pii.any_listed_key()
            values: dict[str, object] = {"number_hmac_version": pii.version}
            kind = ""
            number = _known_number(session, pii, row, version)
            if number is not None and not _link_taken(session, pii.link_key(number)):
                values["number_hmac"] = pii.link_key(number)
                kind = "links_rederived"
            elif version == pii.version:
                pass  # one key listed, and it made this link: only its version was missing
            elif pii.knows(version):
                chained = pii.layered(version)
                _keep_link_version(session, pii, chained)
                values.update(number_hmac=pii.layer(row.number_hmac),
                              number_hmac_version=chained)
                kind = "links_layered"
            else:
                report.links_unknown_key += 1
                continue
            if values.get("number_hmac", row.number_hmac) != row.number_hmac:
                values["reference"] = row.reference or caller_reference(row.number_hmac)
            # Only if unchanged since read: a caller who called meanwhile was moved to
            # the current link by their call (relink_caller).
            moved = session.execute(update(Caller).where(
                Caller.id == row.id, Caller.number_hmac == row.number_hmac).values(values))
            if kind and moved.rowcount:  # type: ignore[attr-defined]
                setattr(report, kind, getattr(report, kind) + 1)


def _link_taken(session: Session, link: str) -> bool:
    """Another row holds this link already (a second row made for the same caller
    by a call racing the rotation): this one is then layered, not re-derived."""
    return session.scalar(select(Caller.id).where(Caller.number_hmac == link)) is not None


def _known_number(session: Session, pii: PiiProtector, row, version: str) -> str | None:
    """The caller's number, if we hold it and it is the one their link was made of
    (a callback may have been asked to another number)."""
    tokens = [row.number_encrypted] if row.number_encrypted else []
    tokens += session.scalars(select(CallbackRequest.number_encrypted)
                              .where(CallbackRequest.caller_id == row.id)
                              .order_by(CallbackRequest.id.desc()))
    for token in tokens:
        try:
            number = pii.decrypt(token)
        except ValueError:
            continue
        if row.number_hmac in pii.link_for(number, version):
            return number
    return None


def _keep_link_version(session: Session, pii: PiiProtector, version: str) -> None:
    if session.get(CallerLinkVersion, version) is None:
        session.add(CallerLinkVersion(version=version,
                                      sealed_keys=pii.seal_link_keys(pii.link_keys_of(version))))
        session.flush()
        pii.remember_link_keys({}, [version])


def _reseal_link_versions(db: Database, pii: PiiProtector, report: RotationReport) -> None:
    """The retired HMAC keys sealed under the newest key only."""
    with db.session() as session:
        for row in session.scalars(select(CallerLinkVersion)):
            try:
                row.sealed_keys = pii.seal_link_keys(pii.open_link_keys(row.sealed_keys))
            except ValueError:
                report.tokens_unreadable += 1


def _batches(db: Database, query) -> Iterator[tuple[Session, list]]:
    """Rows by id, BATCH at a time, each batch in its own committed session."""
    last_id = 0
    model_id = query.selected_columns[0]
    while True:
        with db.session() as session:
            rows = list(session.execute(query.where(model_id > last_id)
                                        .order_by(model_id).limit(BATCH)).all())
            if not rows:
                return
            yield session, rows
        last_id = rows[-1][0]
