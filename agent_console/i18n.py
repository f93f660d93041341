"""The console's own languages (Flask-Babel): English, Thai and Burmese.

Each staff member picks theirs (`StaffUser.ui_locale`); before login the
browser's preference decides. One catalogue, in `agent_console/translations`,
holds the texts of every package whose pages the console shows (`agent_console`,
`cases`); the compiled `.mo` files are committed, so a fresh clone needs no build
step. After changing texts, from the project root:

    pybabel extract -F agent_console/babel.cfg -k N_ --no-location \
        -o agent_console/translations/messages.pot agent_console cases
    pybabel update -i agent_console/translations/messages.pot \
        -d agent_console/translations --no-location
    (translate the new entries)  pybabel compile -d agent_console/translations

`tests/agent_console/test_i18n.py` fails while a text is untranslated or a `.mo`
is stale. Translations are marked unreviewed until a native speaker approves them.
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
        return str(locale)
    return str(request.accept_languages.best_match(list(UI_LOCALES)) or "en")


def init_babel(app: Flask) -> None:
    if "babel" in app.extensions:
        return
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
