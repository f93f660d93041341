"""Admin pages: staff and skills, numbers and menus, recorded prompts."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from agent_console import audit, store
from agent_console.auth import current_staff, roles_required
from agent_console.i18n import UI_LOCALES
from agent_console.models import ROLES, StaffSkill, StaffUser
from agent_console.prompt_audio import (
    PromptAudioError,
    convert_prompt_audio,
    save_prompt_audio,
)
from agent_console.prompt_matrix import coverage_matrix, prompt_audio_root
from agent_console.staff import StaffError, create_staff
from helpline.config import ConfigError, load_config
from helpline.services import services
from prompts.views import prompts_changed

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMINS = ("admin",)


def _skills_from_form() -> dict[str, int]:
    skills = {}
    for code in services().config.languages:
        level = request.form.get(f"skill_{code}", "0")
        if level.isdigit() and 1 <= int(level) <= 5:
            skills[code] = int(level)
    return skills


@bp.get("/staff")
@roles_required(*ADMINS)
def staff():  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    return render_template("console/admin_staff.html", staff=store.staff_list(db),
                           languages=services().config.languages,
                           states=store.latest_states(db))


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required(*ADMINS)
def new_staff():  # type: ignore[no-untyped-def]
    languages = services().config.languages
    if request.method == "GET":
        return render_template("console/admin_staff_form.html", user=None, roles=ROLES,
                               languages=languages, skills={}, locales=UI_LOCALES, error=None,
                               form={})
    db = services().db.scoped()
    skills = _skills_from_form()
    try:
        user = create_staff(db, email=request.form.get("email", ""),
                            role=request.form.get("role", ""),
                            password=request.form.get("password", ""), skills=skills,
                            display_name=request.form.get("display_name") or None,
                            ui_locale=request.form.get("ui_locale", "en")
                            if request.form.get("ui_locale") in UI_LOCALES else "en")
    except StaffError as exc:
        db.rollback()
        return render_template("console/admin_staff_form.html", user=None, roles=ROLES,
                               languages=languages, skills=skills, locales=UI_LOCALES,
                               error=str(exc), form=request.form), 422
    audit.record(db, actor_id=current_staff().id, action="staff_created", subject_type="staff",
                 subject_id=user.id, role=user.role, skills=skills)
    db.commit()
    flash(_("Added %(name)s.", name=user.display_name))
    return redirect(url_for("admin.staff"))


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_staff(user_id: int):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    user = db.get(StaffUser, user_id)
    if user is None:
        abort(404)
    languages = services().config.languages
    if request.method == "GET":
        return render_template("console/admin_staff_form.html", user=user, roles=ROLES,
                               languages=languages,
                               skills={s.language: s.proficiency for s in user.skills},
                               locales=UI_LOCALES, error=None, form={})
    role = request.form.get("role", user.role)
    if role not in ROLES:
        abort(400)
    if user.id == current_staff().id and role != "admin":
        return render_template("console/admin_staff_form.html", user=user, roles=ROLES,
                               languages=languages,
                               skills={s.language: s.proficiency for s in user.skills},
                               locales=UI_LOCALES, form={},
                               error=_("You cannot remove your own admin role.")), 422
    skills = _skills_from_form()
    user.display_name = (request.form.get("display_name") or user.display_name).strip()[:120]
    user.role = role
    if request.form.get("ui_locale") in UI_LOCALES:
        user.ui_locale = request.form["ui_locale"]
    existing = {skill.language: skill for skill in user.skills}
    for code, skill in existing.items():
        if code not in skills:
            user.skills.remove(skill)
        else:
            skill.proficiency = skills[code]
    for code, level in skills.items():
        if code not in existing:
            user.skills.append(StaffSkill(language=code, proficiency=level))
    audit.record(db, actor_id=current_staff().id, action="staff_updated", subject_type="staff",
                 subject_id=user.id, role=role, skills=skills)
    db.commit()
    flash(_("Saved %(name)s.", name=user.display_name))
    return redirect(url_for("admin.staff"))


@bp.post("/staff/<int:user_id>/active")
@roles_required(*ADMINS)
def set_active(user_id: int):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    user = db.get(StaffUser, user_id)
    if user is None:
        abort(404)
    active = request.form.get("active") == "1"
    if user.id == current_staff().id and not active:
        abort(400)
    user.active = active
    audit.record(db, actor_id=current_staff().id,
                 action="staff_reactivated" if active else "staff_deactivated",
                 subject_type="staff", subject_id=user.id)
    db.commit()
    return redirect(url_for("admin.staff"))


@bp.get("/numbers")
@roles_required(*ADMINS)
def numbers():  # type: ignore[no-untyped-def]
    """The numbers and menus as the file on disk says now, with every problem in it."""
    path = services().settings.config_path
    try:
        config, problems = load_config(path), []
    except ConfigError as exc:
        config, problems = services().config, exc.problems
    return render_template("console/admin_numbers.html", config=config, problems=problems,
                           path=path)


@bp.get("/prompts")
@roles_required(*ADMINS)
def prompts():  # type: ignore[no-untyped-def]
    matrix = coverage_matrix(services().config, _prompt_root(), _prompt_resolver())
    return render_template("console/admin_prompts.html", matrix=matrix,
                           languages=services().config.languages)


def _prompt_resolver() -> object | None:
    return services().extras.get("prompts")  # built by prompts.views.init_app when installed


def _prompt_root() -> Path:
    configured = current_app.config.get("PROMPT_AUDIO_DIR")
    return Path(configured) if configured else prompt_audio_root()


@bp.get("/prompts/<language>/<prompt_id>/audio")
@roles_required(*ADMINS)
def prompt_audio(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    root = _prompt_root().resolve()
    path = (root / language / f"{prompt_id}.wav").resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)


@bp.post("/prompts/<language>/<prompt_id>")
@roles_required(*ADMINS)
def upload_prompt(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    if language not in services().config.languages:
        abort(404)
    upload = request.files.get("audio")
    db = services().db.scoped()
    try:
        wav, seconds = convert_prompt_audio(upload.read() if upload else b"")
        path = save_prompt_audio(_prompt_root(), language, prompt_id, wav)
    except PromptAudioError as exc:
        flash(_("Not saved: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("admin.prompts", _anchor=f"p-{prompt_id}")), 303
    audit.record(db, actor_id=current_staff().id, action="prompt_recorded", subject_type="prompt",
                 subject_id=f"{language}/{prompt_id}", seconds=round(seconds, 2),
                 file=path.name)
    db.commit()
    prompts_changed()
    flash(_("Saved the recording of %(prompt)s (%(language)s).", prompt=prompt_id,
            language=language))
    return redirect(url_for("admin.prompts", _anchor=f"p-{prompt_id}")), 303
