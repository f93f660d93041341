"""Prompts → Record by phone: a staff member sets (or removes) their personal PIN for
the staff recording line. Changing it asks for the account password again (someone at
an unlocked console must not be able to set a PIN and record in that person's name).
Every change is audited by `prompts.recording_line.pins`."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from agent_console.auth import current_staff, roles_required
from agent_console.models import StaffUser
from agent_console.staff import verify_password
from helpline.services import services
from prompts.recording_line import pins

bp = Blueprint("recording_pin", __name__, url_prefix="/console")


def _page(error: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    line = services().config.recording_line
    return render_template("console/recording_pin.html", error=error,
                           has_pin=pins.has_pin(db, current_staff().id),
                           staff_number=current_staff().id,
                           line_number=line.number if line else None,
                           min_digits=pins.MIN_DIGITS, max_digits=pins.MAX_DIGITS), status


@bp.get("/recording-pin")
@roles_required()
def recording_pin():  # type: ignore[no-untyped-def]
    return _page()


@bp.post("/recording-pin")
@roles_required()
def change_recording_pin():  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    me = db.get(StaffUser, current_staff().id)
    if me is None or not verify_password(me.password_hash, request.form.get("password", "")):
        return _page(_("Your password was not right; nothing was changed."), 422)
    if request.form.get("remove"):
        pins.clear_pin(db, staff_id=me.id, by_id=me.id)
        db.commit()
        flash(_("Your recording PIN is removed: the recording line no longer accepts it."))
        return redirect(url_for("recording_pin.recording_pin"), 303)
    pin, again = request.form.get("pin", ""), request.form.get("pin_again", "")
    if pin != again:
        return _page(_("The two PINs are not the same."), 422)
    try:
        pins.set_pin(db, staff_id=me.id, pin=pin, by_id=me.id)
    except pins.PinError as exc:
        db.rollback()
        message = (_("A PIN is %(low)d to %(high)d digits.", low=pins.MIN_DIGITS,
                     high=pins.MAX_DIGITS) if exc.code == pins.NOT_DIGITS else
                   _("That PIN is too easy to guess: avoid one digit repeated or a run "
                     "like 123456."))
        return _page(message, 422)
    db.commit()
    flash(_("Your recording PIN is set."))
    return redirect(url_for("recording_pin.recording_pin"), 303)
