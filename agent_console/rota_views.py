"""Admin → Rota: each staff member's weekly shifts and dated exceptions, coverage per
language, and the CSV import and export. The rota itself is `call_routing.rota`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from agent_console import audit
from agent_console.auth import current_staff, roles_required
from call_routing.rota import store
from call_routing.rota.csv_import import (
    MAX_NOTE,
    RowError,
    check_day,
    check_shift_times,
    parse_rota_csv,
    rota_csv,
)
from call_routing.rota.domain import WEEKDAYS, WeeklyShift, clock_text, local_date
from call_routing.rota.lookup import coverage_panel
from call_routing.rota.models import RotaException, WeeklyShiftRow
from helpline.services import services

bp = Blueprint("rota", __name__, url_prefix="/admin/rota")

ADMINS = ("admin",)
MAX_UPLOAD_BYTES = 1024 * 1024


def _now() -> float:
    return services().clock.now()


def _zone() -> ZoneInfo:
    return ZoneInfo(services().settings.timezone)


def _local_label(iso: str | None) -> str:
    """"Thu 16:00" in the reader's language, in the helpline's time zone."""
    if iso is None:
        return ""
    return format_datetime(datetime.fromisoformat(iso), "EEE HH:mm", tzinfo=_zone(),
                           locale=str(get_locale() or "en"))


def _page(*, errors: list[str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    svc = services()
    db = svc.db.scoped()
    today = local_date(_now(), _zone())
    staff = store.active_staff(db)
    names = {entry.id: entry.name for entry in staff}
    weekly: dict[int, dict[int, list[WeeklyShiftRow]]] = {}
    for row in store.weekly_rows(db):
        weekly.setdefault(row.staff_id, {}).setdefault(row.weekday, []).append(row)
    panel = coverage_panel(db, svc.config, svc.settings.timezone, _now())
    return render_template(
        "console/admin_rota.html", staff=staff, names=names, weekly=weekly,
        exceptions=store.exception_rows(db, since=today), coverage=panel["languages"],
        weekdays=list(enumerate((_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"),
                                 _("Sun")))),
        timezone=svc.settings.timezone, today=today.isoformat(), clock=clock_text,
        when=_local_label, errors=errors or [], max_note=MAX_NOTE), status


@bp.get("")
@roles_required(*ADMINS)
def page():  # type: ignore[no-untyped-def]
    return _page()


def _staff_id() -> int:
    raw = request.form.get("staff_id", "")
    staff_ids = {entry.id for entry in store.active_staff(services().db.scoped())}
    if not raw.isdigit() or int(raw) not in staff_ids:
        abort(400)
    return int(raw)


def _form_error(error: RowError) -> str:
    return f"{error.field}: {error.message}"


@bp.post("/weekly")
@roles_required(*ADMINS)
def add_weekly():  # type: ignore[no-untyped-def]
    staff_id = _staff_id()
    days = sorted({int(day) for day in request.form.getlist("weekday")
                   if day.isdigit() and int(day) < len(WEEKDAYS)})
    if not days:
        return _page(errors=[_("Choose at least one day.")], status=422)
    times = check_shift_times(request.form.get("start", ""), request.form.get("end", ""))
    if isinstance(times, RowError):
        return _page(errors=[_form_error(times)], status=422)
    db = services().db.scoped()
    for weekday in days:
        row = store.add_weekly(db, WeeklyShift(staff_id, weekday, *times))
        audit.record(db, actor_id=current_staff().id, action="rota_shift_added",
                     subject_type="staff", subject_id=staff_id, shift_id=row.id,
                     weekday=WEEKDAYS[weekday], start=clock_text(times[0]),
                     end=clock_text(times[1]))
    db.commit()
    flash(_("Shift added."))
    return redirect(url_for("rota.page"))


@bp.post("/weekly/<int:shift_id>/delete")
@roles_required(*ADMINS)
def delete_weekly(shift_id: int):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    row = db.get(WeeklyShiftRow, shift_id)
    if row is None:
        abort(404)
    audit.record(db, actor_id=current_staff().id, action="rota_shift_removed",
                 subject_type="staff", subject_id=row.staff_id, shift_id=row.id,
                 weekday=WEEKDAYS[row.weekday], start=clock_text(row.start_minute),
                 end=clock_text(row.end_minute))
    db.delete(row)
    db.commit()
    flash(_("Shift removed."))
    return redirect(url_for("rota.page"))


@bp.post("/exceptions")
@roles_required(*ADMINS)
def add_exception():  # type: ignore[no-untyped-def]
    staff_id = _staff_id()
    kind = request.form.get("kind", "")
    if kind not in ("off", "extra"):
        abort(400)
    day = check_day(request.form.get("day", ""))
    if isinstance(day, RowError):
        return _page(errors=[_form_error(day)], status=422)
    start = end = None
    if kind == "extra":
        times = check_shift_times(request.form.get("start", ""), request.form.get("end", ""))
        if isinstance(times, RowError):
            return _page(errors=[_form_error(times)], status=422)
        start, end = times
    note = request.form.get("note", "").strip()[:MAX_NOTE]
    db = services().db.scoped()
    row = store.add_exception(db, staff_id=staff_id, day=day, kind=kind, start_minute=start,
                              end_minute=end, note=note)
    audit.record(db, actor_id=current_staff().id, action="rota_exception_added",
                 subject_type="staff", subject_id=staff_id, exception_id=row.id, kind=kind,
                 day=day.isoformat())
    db.commit()
    flash(_("Day off added.") if kind == "off" else _("Extra shift added."))
    return redirect(url_for("rota.page"))


@bp.post("/exceptions/<int:exception_id>/delete")
@roles_required(*ADMINS)
def delete_exception(exception_id: int):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    row = db.get(RotaException, exception_id)
    if row is None:
        abort(404)
    audit.record(db, actor_id=current_staff().id, action="rota_exception_removed",
                 subject_type="staff", subject_id=row.staff_id, exception_id=row.id,
                 kind=row.kind, day=row.day.isoformat())
    db.delete(row)
    db.commit()
    flash(_("Exception removed."))
    return redirect(url_for("rota.page"))


@bp.post("/import")
@roles_required(*ADMINS)
def import_csv():  # type: ignore[no-untyped-def]
    upload = request.files.get("file")
    raw = upload.read(MAX_UPLOAD_BYTES + 1) if upload else b""
    if not raw:
        return _page(errors=[_("Choose a CSV file to import.")], status=422)
    if len(raw) > MAX_UPLOAD_BYTES:
        return _page(errors=[_("The file is larger than 1 MB.")], status=422)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _page(errors=[_("The file is not UTF-8 text; save it as CSV UTF-8.")],
                     status=422)
    db = services().db.scoped()
    emails = {entry.email.lower(): entry.id for entry in store.active_staff(db)}
    parsed = parse_rota_csv(text, emails)
    if not parsed.ok:
        # Nothing is imported: the old rota stays whole until the file is right.
        return _page(errors=[str(error) for error in parsed.errors], status=422)
    store.replace_for_staff(db, parsed)
    audit.record(db, actor_id=current_staff().id, action="rota_imported", subject_type="rota",
                 subject_id="csv", staff=len(parsed.staff_ids), weekly=len(parsed.weekly),
                 days_off=len(parsed.days_off), extras=len(parsed.extras))
    db.commit()
    flash(_("Imported the rota of %(n)d staff: %(shifts)d weekly shifts, %(exceptions)d "
            "exceptions.", n=len(parsed.staff_ids), shifts=len(parsed.weekly),
            exceptions=len(parsed.days_off) + len(parsed.extras)))
    return redirect(url_for("rota.page"))


@bp.get("/export.csv")
@roles_required(*ADMINS)
def export_csv():  # type: ignore[no-untyped-def]
    body = rota_csv(store.export_rows(services().db.scoped()))
    stamp = datetime.fromtimestamp(_now(), _zone()).strftime("%Y-%m-%d")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="rota-{stamp}.csv"'})
