"""Admin pages: staff and skills, numbers and menus, recorded prompts."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
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
from agent_console.prompt_audio import PromptAudioError, convert_prompt_audio, reason
from agent_console.prompt_matrix import coverage_matrix
from agent_console.prompt_recording_views import recordable_languages
from agent_console.staff import StaffError, create_staff
from helpline.config import ConfigError, load_config
from helpline.services import services
from prompts import store as prompt_store
from prompts.catalogue import PROMPTS, SAMPLE_PARAMS, params_for
from prompts.coverage import checked_params
from prompts.models import PromptItem
from prompts.resolver import PromptResolver
from prompts.state import variant_of
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
@roles_required()  # any staff member; the view checks the review grant
def prompts():  # type: ignore[no-untyped-def]
    """The prompt matrix: admins upload; reviewers of a language approve in it."""
    staff = current_staff()
    db = services().db.scoped()
    reviews = prompt_store.reviewer_languages(db, staff.id)
    if not staff.is_admin and not reviews:
        abort(403)
    matrix = coverage_matrix(services().config, _prompt_resolver())
    return render_template("console/admin_prompts.html", matrix=matrix,
                           languages=services().config.languages, reviews=reviews,
                           recordable=recordable_languages(),
                           reviewers=prompt_store.reviewers(db) if staff.is_admin else [],
                           staff=store.staff_list(db) if staff.is_admin else [])


def _prompt_resolver() -> PromptResolver:
    return services().extras["prompts"]  # type: ignore[no-any-return]


def _reviewer(db) -> StaffUser:  # type: ignore[no-untyped-def]
    reviewer = db.get(StaffUser, current_staff().id)
    if reviewer is None:
        abort(403)
    return reviewer  # type: ignore[no-any-return]


def _back_to(prompt_id: str):  # type: ignore[no-untyped-def]
    return redirect(url_for("admin.prompts", _anchor=f"p-{prompt_id}")), 303


@bp.get("/prompts/items/<int:item_id>/audio")
@roles_required()  # any staff member; the view checks the review grant
def prompt_item_audio(item_id: int):  # type: ignore[no-untyped-def]
    """A stored recording (draft or reviewed), for listening before approving it."""
    staff = current_staff()
    db = services().db.scoped()
    item = db.get(PromptItem, item_id)
    if item is None or item.kind != "recording" or not item.file or not (
            staff.is_admin or prompt_store.is_reviewer(db, staff.id, item.language)):
        abort(404)
    root = _prompt_resolver().recordings_dir.resolve()
    path = (root / item.file).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return send_file(path, mimetype="audio/wav", max_age=0)


@bp.get("/prompts/<language>/<prompt_id>/audio")
@roles_required(*ADMINS)
def prompt_audio(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    """What callers of `language` hear for `prompt_id` (at its first value) now."""
    if language not in services().config.languages or prompt_id not in PROMPTS:
        abort(404)
    resolver = _prompt_resolver()
    values = checked_params(services().config, prompt_id, language) or [
        {name: SAMPLE_PARAMS[name] for name in params_for(prompt_id)}]
    audio = resolver.audio_file(language, prompt_id, values[0], "wav")
    if audio is None:
        abort(404)
    return send_file(audio.path, mimetype="audio/wav", max_age=0)


@bp.post("/prompts/<language>/<prompt_id>")
@roles_required(*ADMINS)
def upload_prompt(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    """An uploaded recording arrives as a draft by the admin who uploaded it."""
    config = services().config
    if language not in config.languages or prompt_id not in PROMPTS:
        abort(404)
    variants = [variant_of(p) for p in checked_params(config, prompt_id, language)]
    variant = request.form.get("variant", variants[0] if variants else "")
    if params_for(prompt_id) and variant not in variants:
        flash(_("Not saved: choose which value the recording says."), "error")
        return _back_to(prompt_id)
    upload = request.files.get("audio")
    db = services().db.scoped()
    try:
        wav, seconds = convert_prompt_audio(upload.read() if upload else b"")
    except PromptAudioError as exc:
        flash(_("Not saved: %(reason)s", reason=reason(exc.code)), "error")
        return _back_to(prompt_id)
    prompt_store.add_recording(db, recordings_dir=_prompt_resolver().recordings_dir,
                               language=language, prompt_id=prompt_id, variant=variant,
                               wav=wav, seconds=seconds, source="upload",
                               recorded_by_id=current_staff().id)
    db.commit()
    prompts_changed()
    flash(_("Saved the recording of %(prompt)s (%(language)s) as a draft.", prompt=prompt_id,
            language=language))
    return _back_to(prompt_id)


@bp.post("/prompts/items/<int:item_id>/approve")
@roles_required()  # any staff member; the view checks the review grant
def approve_prompt(item_id: int):  # type: ignore[no-untyped-def]
    db = services().db.scoped()
    reviewer = _reviewer(db)
    item = db.get(PromptItem, item_id)
    prompt_id = item.prompt_id if item else ""
    try:
        prompt_store.approve(db, item_id=item_id, reviewer=reviewer)
    except prompt_store.ReviewError as exc:
        db.rollback()
        flash(_("Not approved: %(reason)s", reason=str(exc)), "error")
        return _back_to(prompt_id)
    db.commit()
    prompts_changed()
    flash(_("Approved: callers now hear the reviewed version."))
    return _back_to(prompt_id)


@bp.post("/prompts/<language>/<prompt_id>/approve-text")
@roles_required()  # any staff member; the view checks the review grant
def approve_prompt_text(language: str, prompt_id: str):  # type: ignore[no-untyped-def]
    """Approve the text a cell's TTS reads now (an imported draft or the catalogue's)."""
    if language not in services().config.languages or prompt_id not in PROMPTS:
        abort(404)
    db = services().db.scoped()
    reviewer = _reviewer(db)
    resolver = _prompt_resolver()
    state = resolver.state()
    try:
        draft = state.text(language, prompt_id, "draft")
        entry = resolver.text(state, prompt_id, language, language, reviewed=False)
        if draft is not None and draft.item_id is not None:
            prompt_store.approve(db, item_id=draft.item_id, reviewer=reviewer)
        elif entry is not None:
            prompt_store.approve_catalogue_text(db, entry=entry, reviewer=reviewer)
        else:
            raise prompt_store.ReviewError("not_a_draft", "no draft text to approve")
    except prompt_store.ReviewError as exc:
        db.rollback()
        flash(_("Not approved: %(reason)s", reason=str(exc)), "error")
        return _back_to(prompt_id)
    db.commit()
    prompts_changed()
    flash(_("Approved the text of %(prompt)s (%(language)s).", prompt=prompt_id,
            language=language))
    return _back_to(prompt_id)


@bp.post("/prompts/reviewers")
@roles_required(*ADMINS)
def grant_prompt_reviewer():  # type: ignore[no-untyped-def]
    """An admin allows a staff member to review one language's prompts."""
    db = services().db.scoped()
    staff_id, language = request.form.get("staff_id", ""), request.form.get("language", "")
    staff = db.get(StaffUser, int(staff_id)) if staff_id.isdigit() else None
    if staff is None or language not in services().config.languages:
        abort(404)
    try:
        if request.form.get("revoke"):
            prompt_store.revoke_reviewer(db, staff=staff, language=language,
                                         revoked_by_id=current_staff().id)
        else:
            prompt_store.grant_reviewer(db, staff=staff, language=language,
                                        granted_by_id=current_staff().id)
    except prompt_store.ReviewError as exc:
        db.rollback()
        flash(_("Not changed: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("admin.prompts", _anchor="reviewers")), 303
    db.commit()
    flash(_("Reviewers of %(language)s updated.", language=language))
    return redirect(url_for("admin.prompts", _anchor="reviewers")), 303
