"""Admin pages: staff and skills, numbers and menus with validation, recorded prompts."""

from __future__ import annotations

import re
import subprocess
import wave
from pathlib import Path

import pytest
from sqlalchemy import select

from agent_console.models import AuditEntry, StaffUser
from prompts.models import PromptItem
from tests.agent_console.records import write_wav


def test_admin_adds_staff_with_skills(csrf_app, as_role):
    admin = as_role("admin")
    response = admin.post("/admin/staff/new", {
        "email": "Dara@Example.org", "display_name": "Dara", "role": "agent",
        "password": "long enough password", "ui_locale": "th", "skill_km": "5", "skill_th": "3",
        "skill_my": "0"})
    assert response.status_code == 302
    with csrf_app.extensions["helpline"].db.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == "dara@example.org"))
        assert {s.language: s.proficiency for s in user.skills} == {"km": 5, "th": 3}
        assert user.ui_locale == "th"
        assert "staff_created" in session.scalars(select(AuditEntry.action)).all()
    assert "Dara" in admin.get("/admin/staff").get_data(as_text=True)


def test_bad_staff_details_are_explained(as_role):
    response = as_role("admin").post("/admin/staff/new", {
        "email": "x@example.org", "role": "agent", "password": "short"})
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)


def test_admin_edits_skills_and_deactivates(csrf_app, as_role, staff):
    admin = as_role("admin")
    agent_id = staff["km_agent"].id
    assert admin.post(f"/admin/staff/{agent_id}", {
        "display_name": "Sokha K.", "role": "agent", "skill_km": "4", "skill_lo": "2"}
    ).status_code == 302
    assert admin.post(f"/admin/staff/{agent_id}/active", {"active": "0"}).status_code == 302
    with csrf_app.extensions["helpline"].db.session() as session:
        user = session.get(StaffUser, agent_id)
        assert {s.language: s.proficiency for s in user.skills} == {"km": 4, "lo": 2}
        assert user.display_name == "Sokha K." and not user.active
    # A deactivated agent's session stops working at once.
    from tests.console_fixtures import ConsoleClient
    assert ConsoleClient(csrf_app).login("sokha@example.org").status_code == 401


def test_admin_cannot_demote_or_deactivate_themselves(as_role, staff):
    admin = as_role("admin")
    own = staff["admin"].id
    assert admin.post(f"/admin/staff/{own}", {"role": "agent"}).status_code == 422
    assert admin.post(f"/admin/staff/{own}/active", {"active": "0"}).status_code == 400


def test_numbers_page_shows_lines_and_menus(as_role):
    page = as_role("admin").get("/admin/numbers").get_data(as_text=True)
    assert "+661800000102" in page and "Khmer line (Thailand)" in page
    assert 'id="config-ok"' in page


def test_numbers_page_shows_every_problem_in_the_file(csrf_app, as_role):
    services = csrf_app.extensions["helpline"]
    path = services.settings.config_path
    original = path.read_text()
    broken = Path(services.settings.instance_dir) / "broken.yaml"
    broken.write_text(original.replace("language: km", "language: xx"))
    object.__setattr__(services.settings, "config_path", broken)
    try:
        page = as_role("admin").get("/admin/numbers").get_data(as_text=True)
    finally:
        object.__setattr__(services.settings, "config_path", path)
    assert 'id="config-problems"' in page and "xx" in page


def make_mp3(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=1.5", "-ar", "44100", "-ac", "2",
                    str(path)], check=True)
    return path


def test_uploading_a_recorded_prompt_converts_it_to_8khz_mono(csrf_app, as_role, tmp_path):
    admin = as_role("admin")
    mp3 = make_mp3(tmp_path / "welcome.mp3")
    with mp3.open("rb") as handle:
        response = admin.post("/admin/prompts/km/welcome", {"audio": (handle, "welcome.mp3")},
                              content_type="multipart/form-data")
    assert response.status_code == 303
    with csrf_app.extensions["helpline"].db.session() as session:
        item = session.scalar(select(PromptItem))
        assert (item.language, item.prompt_id, item.state, item.source) == (
            "km", "welcome", "draft", "upload")
        assert item.created_by_id == session.scalar(
            select(StaffUser.id).where(StaffUser.email == "admin@example.org"))
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "prompt_recorded"))
        assert entry.subject_id == "km/welcome"
        saved = Path(csrf_app.config["PROMPT_AUDIO_DIR"]) / item.file
    with wave.open(str(saved)) as handle:
        assert (handle.getframerate(), handle.getnchannels(), handle.getsampwidth()) == (
            8000, 1, 2)
        seconds = handle.getnframes() / 8000
        assert seconds == pytest.approx(1.5, abs=0.2)   # the uploaded clip, not cut
    page = admin.get("/admin/prompts").get_data(as_text=True)
    assert 'data-cell="km/welcome" data-state="recorded"' in page  # a draft, not reviewed
    assert "/admin/prompts/km/welcome/audio" in page
    preview = admin.get("/admin/prompts/km/welcome/audio")
    assert preview.status_code == 200 and preview.data == saved.read_bytes()


def test_a_reviewer_of_the_language_approves_from_the_matrix(csrf_app, as_role, staff, tmp_path):
    admin, sokha = as_role("admin"), as_role("km_agent")
    assert sokha.get("/admin/prompts").status_code == 403   # not a reviewer yet
    with make_mp3(tmp_path / "goodbye.mp3").open("rb") as handle:
        admin.post("/admin/prompts/km/goodbye", {"audio": (handle, "goodbye.mp3")},
                   content_type="multipart/form-data")
    # Aye speaks Burmese, not Khmer: refused; Sokha speaks Khmer at 5: granted.
    admin.post("/admin/prompts/reviewers", {"staff_id": staff["my_agent"].id, "language": "km"})
    admin.post("/admin/prompts/reviewers", {"staff_id": staff["km_agent"].id, "language": "km"})
    page = admin.get("/admin/prompts").get_data(as_text=True)
    assert 'data-reviewer="km/sokha@example.org"' in page
    assert 'data-reviewer="km/aye@example.org"' not in page
    assert "aye@example.org needs km at proficiency 4 or more" in page

    page = sokha.get("/admin/prompts").get_data(as_text=True)
    [item_id] = re.findall(r'data-recording="draft" data-item="(\d+)"', page)
    assert 'data-approve-text="km/goodbye"' in page
    assert sokha.post(f"/admin/prompts/items/{item_id}/approve").status_code == 303
    assert sokha.post("/admin/prompts/km/goodbye/approve-text").status_code == 303
    page = sokha.get("/admin/prompts").get_data(as_text=True)
    assert 'data-cell="km/goodbye" data-state="recorded_reviewed"' in page
    assert "reviewed by sokha@example.org" in page and 'data-text="reviewed"' in page
    # Only the language's reviewers approve: Aye (no grant) cannot, even by URL.
    assert as_role("my_agent").post(f"/admin/prompts/items/{item_id}/approve").status_code in (
        303, 403)
    with csrf_app.extensions["helpline"].db.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
        assert actions.count("prompt_approved") == 2
        assert "prompt_reviewer_granted" in actions
        assert session.get(PromptItem, int(item_id)).reviewed_by_id == staff["km_agent"].id
    resolver = csrf_app.extensions["helpline"].extras["prompts"]
    found = resolver.explain("goodbye", "km")
    assert found.stage == "recorded_reviewed" and found.utterance.url.startswith(
        "/prompts/audio/km/goodbye.wav")


def test_a_file_that_is_not_audio_is_refused(csrf_app, as_role, tmp_path):
    fake = tmp_path / "notes.wav"
    fake.write_text("this is not audio at all")
    admin = as_role("admin")
    with fake.open("rb") as handle:
        response = admin.post("/admin/prompts/km/welcome",
                                         {"audio": (handle, "notes.wav")},
                                         content_type="multipart/form-data")
    assert response.status_code == 303
    with csrf_app.extensions["helpline"].db.session() as session:
        assert session.scalar(select(PromptItem)) is None
    page = admin.get("/admin/prompts").get_data(as_text=True)
    assert "not audio" in page


def test_prompt_ids_cannot_escape_the_prompt_folder(as_role, tmp_path):
    wav = write_wav(tmp_path / "a.wav")
    with wav.open("rb") as handle:
        response = as_role("admin").post("/admin/prompts/km/..%2F..%2Fevil",
                                         {"audio": (handle, "a.wav")},
                                         content_type="multipart/form-data")
    assert response.status_code in (303, 404)
    assert not (tmp_path / "evil.wav").exists()


def test_only_admins_manage_prompts(as_role):
    assert as_role("supervisor").get("/admin/prompts").status_code == 403
