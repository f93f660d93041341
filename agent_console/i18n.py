"""The console's own languages (Flask-Babel): English, Thai and Burmese.

Each staff member picks theirs (`StaffUser.ui_locale`); before login the
browser's preference decides. Catalogues live in `agent_console/translations`
and are compiled to `.mo` files that are committed, so a fresh clone needs no
build step (`scripts/... pybabel compile` regenerates them).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_login import current_user

UI_LOCALES = {"en": "English", "th": "ไทย", "my": "မြန်မာ"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    locale = getattr(current_user, "ui_locale", None) if current_user else None
    if locale in UI_LOCALES:
        return locale
    return request.accept_languages.best_match(list(UI_LOCALES)) or "en"


def init_babel(app: Flask) -> None:
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
