"""The console's languages: every text translated into Thai and Burmese, and the
committed .mo files up to date with their .po sources."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# The packages whose pages the console shows share its one catalogue.
PACKAGES = [ROOT / "agent_console", ROOT / "cases"]
TRANSLATIONS = ROOT / "agent_console" / "translations"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def source_texts() -> set[str]:
    return {message[2] for package in PACKAGES
            for message in extract_from_dir(str(package), METHODS, keywords=KEYWORDS)
            if isinstance(message[2], str) and message[2]}


@pytest.mark.parametrize("locale", ["th", "my"])
def test_every_console_text_is_translated(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(source_texts() - translated)
    assert not missing, f"untranslated in {locale}: {missing[:10]}"


@pytest.mark.parametrize("locale", ["th", "my"])
def test_compiled_catalogues_match_their_sources(locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as handle:
        po = {m.id: m.string for m in read_po(handle) if m.id}
    with (folder / "messages.mo").open("rb") as handle:
        mo = {m.id: m.string for m in read_mo(io.BytesIO(handle.read())) if m.id}
    assert mo == po, f"run `pybabel compile -d agent_console/translations` ({locale})"


def test_placeholders_survive_translation():
    for locale in ("th", "my"):
        with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            for message in read_po(handle):
                for placeholder in ("%(name)s", "%(minutes)d", "%(id)d", "%(n)d", "{n}"):
                    if message.id and placeholder in message.id:
                        assert placeholder in message.string, (locale, message.id)
