"""Admin → Rota through the Flask client with CSRF on, on SQLite and PostgreSQL: shifts
and exceptions edited, the CSV import (good, bad: nothing imported), the export, the
coverage the wallboard shows — and, in Chromium, the wallboard's rota panel."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from agent_console.models import AuditEntry
from call_routing.rota.models import RotaException, WeeklyShiftRow
from tests.console_fixtures import add_team, browser_login, screenshot

EVERY_DAY = [str(day) for day in range(7)]


def rows(app, model):
    with app.extensions["helpline"].db.session() as session:
        return [(row.staff_id, row.weekday, row.start_minute, row.end_minute)
                if model is WeeklyShiftRow else
                (row.staff_id, row.day, row.kind, row.start_minute, row.end_minute, row.note)
                for row in session.scalars(select(model).order_by(model.id))]


def actions(app) -> list[str]:
    with app.extensions["helpline"].db.session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def upload(admin, text: str):
    return admin.post("/admin/rota/import",
                      {"file": (io.BytesIO(text.encode()), "rota.csv")},
                      content_type="multipart/form-data")


def test_only_admins_edit_the_rota(as_role):
    for role in ("km_agent", "supervisor"):
        assert as_role(role).get("/admin/rota").status_code == 403
    assert as_role("admin").get("/admin/rota").status_code == 200


def test_admin_adds_and_removes_weekly_shifts(csrf_app, as_role, staff):
    admin = as_role("admin")
    sokha = staff["km_agent"].id
    response = admin.post("/admin/rota/weekly", {"staff_id": sokha, "weekday": ["0", "1"],
                                                 "start": "22:00", "end": "06:00"})
    assert response.status_code == 302
    assert rows(csrf_app, WeeklyShiftRow) == [(sokha, 0, 1320, 360), (sokha, 1, 1320, 360)]
    page = admin.get("/admin/rota").get_data(as_text=True)
    assert "22:00–06:00" in page and 'data-staff="sokha@example.org"' in page
    with csrf_app.extensions["helpline"].db.session() as session:
        first = session.scalars(select(WeeklyShiftRow.id).order_by(WeeklyShiftRow.id)).first()
    assert admin.post(f"/admin/rota/weekly/{first}/delete").status_code == 302
    assert rows(csrf_app, WeeklyShiftRow) == [(sokha, 1, 1320, 360)]
    assert actions(csrf_app).count("rota_shift_added") == 2
    assert "rota_shift_removed" in actions(csrf_app)


@pytest.mark.parametrize(("form", "message"), [
    ({"weekday": ["0"], "start": "25:00", "end": "06:00"},
     "start: &#39;25:00&#39; is not a time"),
    ({"weekday": ["0"], "start": "08:00", "end": "08:00"}, "end: the same as the start"),
    ({"start": "08:00", "end": "16:00"}, "Choose at least one day."),
])
def test_a_bad_shift_is_explained_and_not_saved(csrf_app, as_role, staff, form, message):
    response = as_role("admin").post("/admin/rota/weekly",
                                     {"staff_id": staff["km_agent"].id, **form})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert rows(csrf_app, WeeklyShiftRow) == []


def test_admin_adds_a_day_off_and_an_extra_shift(csrf_app, as_role, staff):
    admin = as_role("admin")
    aye = staff["my_agent"].id
    assert admin.post("/admin/rota/exceptions", {
        "staff_id": aye, "kind": "off", "day": "2099-01-07", "note": "training"}
    ).status_code == 302
    assert admin.post("/admin/rota/exceptions", {
        "staff_id": aye, "kind": "extra", "day": "2099-01-10", "start": "10:00",
        "end": "14:00"}).status_code == 302
    bad = admin.post("/admin/rota/exceptions", {"staff_id": aye, "kind": "extra",
                                                "day": "2099-01-10", "start": "",
                                                "end": "14:00"})
    assert bad.status_code == 422 and "start: &#39;&#39; is not a time" in bad.get_data(
        as_text=True)
    assert rows(csrf_app, RotaException) == [
        (aye, date(2099, 1, 7), "off", None, None, "training"),
        (aye, date(2099, 1, 10), "extra", 600, 840, "")]
    page = admin.get("/admin/rota").get_data(as_text=True)
    assert "2099-01-07" in page and "training" in page and "10:00–14:00" in page


GOOD_FILE = ("email,kind,day,start,end,note\n"
             "sokha@example.org,weekly,mon,08:00,16:00,\n"
             "sokha@example.org,weekly,tue,08:00,16:00,\n"
             "sokha@example.org,off,2099-01-05,,,holiday\n"
             "aye@example.org,extra,2099-01-10,22:00,02:00,cover\n")


def test_a_good_file_replaces_the_rota_of_the_staff_it_names(csrf_app, as_role, staff):
    admin = as_role("admin")
    sokha, aye, su = staff["km_agent"].id, staff["my_agent"].id, staff["supervisor"].id
    for person in (sokha, su):
        admin.post("/admin/rota/weekly", {"staff_id": person, "weekday": ["6"],
                                          "start": "09:00", "end": "10:00"})
    response = upload(admin, GOOD_FILE)
    assert response.status_code == 302
    # Sokha's Sunday shift is replaced; the supervisor, not in the file, keeps theirs.
    assert sorted(rows(csrf_app, WeeklyShiftRow)) == sorted([
        (su, 6, 540, 600), (sokha, 0, 480, 960), (sokha, 1, 480, 960)])
    assert rows(csrf_app, RotaException) == [
        (sokha, date(2099, 1, 5), "off", None, None, "holiday"),
        (aye, date(2099, 1, 10), "extra", 1320, 120, "cover")]
    assert "rota_imported" in actions(csrf_app)
    page = admin.get("/admin/rota").get_data(as_text=True)
    assert "Imported the rota of 2 staff: 2 weekly shifts, 2 exceptions." in page


def test_a_file_with_bad_rows_imports_nothing_and_names_each(csrf_app, as_role, staff):
    admin = as_role("admin")
    sokha = staff["km_agent"].id
    admin.post("/admin/rota/weekly", {"staff_id": sokha, "weekday": ["6"], "start": "09:00",
                                      "end": "10:00"})
    response = upload(admin, GOOD_FILE + "ghost@example.org,weekly,mon,08:00,16:00,\n"
                                         "aye@example.org,weekly,someday,08:00,16:00,\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved:" in page
    assert "row 6, email: no active staff member &#39;ghost@example.org&#39;" in page
    assert "row 7, day: &#39;someday&#39; is not a weekday" in page
    assert page.count("<li>row ") == 2
    assert rows(csrf_app, WeeklyShiftRow) == [(sokha, 6, 540, 600)]
    assert rows(csrf_app, RotaException) == []
    assert "rota_imported" not in actions(csrf_app)


@pytest.mark.parametrize(("body", "message"), [
    (b"", "Choose a CSV file to import."),
    ("email,kind\n\u00e9".encode("latin-1"), "The file is not UTF-8 text"),
])
def test_an_unreadable_upload_is_explained(as_role, body, message):
    response = as_role("admin").post("/admin/rota/import",
                                     {"file": (io.BytesIO(body), "rota.csv")},
                                     content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_the_export_imports_back_unchanged(csrf_app, as_role, staff):
    admin = as_role("admin")
    assert upload(admin, GOOD_FILE).status_code == 302
    exported = admin.get("/admin/rota/export.csv")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.splitlines()[0] == "email,kind,day,start,end,note"
    before = (sorted(rows(csrf_app, WeeklyShiftRow)), rows(csrf_app, RotaException))
    assert upload(admin, text).status_code == 302
    assert (sorted(rows(csrf_app, WeeklyShiftRow)), rows(csrf_app, RotaException)) == before


def test_the_wallboard_shows_who_is_on_shift_and_uncovered_languages(csrf_app, as_role, staff):
    admin = as_role("admin")
    # Round the clock for Sokha (Khmer): whatever the time the test runs, she is on.
    admin.post("/admin/rota/weekly", {"staff_id": staff["km_agent"].id, "weekday": EVERY_DAY,
                                      "start": "00:00", "end": "24:00"})
    live = as_role("supervisor").get("/wallboard/live.json").get_json()
    rota = {row["language"]: row for row in live["rota"]["languages"]}
    assert live["rota"]["timezone"] == "Asia/Bangkok"
    assert rota["km"]["on_shift"] == ["Sokha"] and rota["km"]["gap_from"] is None
    assert rota["ne"]["on_shift"] == [] and rota["ne"]["uncovered_now"] is True
    assert rota["ne"]["gap_until"] is None
    page = admin.get("/admin/rota").get_data(as_text=True)
    assert "none this week" in page and "now, and no shift this week" in page


def test_the_demo_rota_covers_every_language_with_gaps(db_session):
    from call_routing.rota import domain, store
    from helpline.demo import seed_demo

    seed_demo(db_session, password="long enough password")
    db_session.flush()
    rota = store.load_rota(db_session, "Asia/Bangkok")
    parents = {"shn": "my", "kac": "my", "ksw": "my", "mnw": "my"}
    monday_noon = 1_767_589_200.0          # 2026-01-05 12:00 in Bangkok
    for language in ("my", "shn", "kac", "ksw", "mnw", "km", "th", "lo", "ne", "id"):
        assert domain.next_shift_start(rota, language, monday_noon,
                                       dialect_parents=parents) is not None, language
        assert domain.next_gap(rota, language, monday_noon,
                               dialect_parents=parents) is not None, language
    assert {row.kind for row in db_session.scalars(select(RotaException))} == {"off", "extra"}


@pytest.mark.browser
def test_the_wallboard_rota_panel_in_chromium(live_app, live_server, password_hash, browser):
    team = add_team(live_app, password_hash)
    from call_routing.rota import store
    from call_routing.rota.domain import WeeklyShift

    with live_app.extensions["helpline"].db.session() as session:
        for weekday in range(7):
            store.add_weekly(session, WeeklyShift(team["km_agent"].id, weekday, 0, 1440))
    page = browser()
    browser_login(page, live_server.url, "sup@example.org")
    page.wait_for_selector("#rota-table tr[data-language=km]")
    assert page.inner_text("#rota-table tr[data-language=km] [data-field=on_shift]") == "Sokha"
    assert page.inner_text("#rota-table tr[data-language=km] [data-field=gap]") == (
        "none this week")
    assert page.inner_text("#rota-table tr[data-language=ne] [data-field=gap]") == (
        "now, and no shift this week")
    assert page.get_attribute("#rota-table tr[data-language=ne]", "class") == "uncovered"
    screenshot(page, "wallboard-rota")
