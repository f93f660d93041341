"""Recording prompts in the console without a browser: who may record a language, what
the page offers, a kept take stored as a draft by its speaker with the next prompt
named, and a refused take explained (in the console's language) and not stored."""

from __future__ import annotations

import io
import subprocess
import wave

import pytest
from sqlalchemy import select

from prompts.models import PromptItem


@pytest.fixture(scope="module")
def sentence(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("take") / "take.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(path), "Welcome to the helpline."],
                   check=True, capture_output=True, timeout=30)
    return path.read_bytes()


def silence(seconds: float = 2.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(bytes(int(2 * 16000 * seconds)))
    return buffer.getvalue()


def keep(client, language: str, prompt_id: str, audio: bytes, variant: str = ""):
    return client.post(f"/admin/prompts/{language}/{prompt_id}/record",
                       {"audio": (io.BytesIO(audio), "take.webm"), "variant": variant},
                       content_type="multipart/form-data",
                       headers={"Accept": "application/json"})


def test_a_khmer_speaker_records_khmer_and_the_next_prompt_is_named(csrf_app, as_role,
                                                                     staff, sentence):
    agent = as_role("km_agent")
    page = agent.get("/admin/prompts/km/record").get_data(as_text=True)
    assert 'data-take="welcome"' in page and "សូមស្វាគមន៍" in page
    response = keep(agent, "km", "welcome", sentence)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["saved"] and answer["next"] == "/admin/prompts/km/record?take=no_input"
    with csrf_app.extensions["helpline"].db.session() as session:
        item = session.scalar(select(PromptItem))
        assert (item.language, item.prompt_id, item.state, item.source, item.created_by_id) \
            == ("km", "welcome", "draft", "browser", staff["km_agent"].id)
    page = agent.get("/admin/prompts/km/record").get_data(as_text=True)
    assert 'data-take="no_input"' in page                      # welcome is done
    assert 'data-item="welcome" data-recorded="draft"' in page


def test_a_silent_take_is_refused_with_its_reason(csrf_app, as_role, staff):
    agent = as_role("km_agent")
    response = keep(agent, "km", "welcome", silence())
    assert response.status_code == 422
    assert response.get_json()["code"] == "silent"
    assert "silent" in response.get_json()["error"]
    assert agent.post("/console/locale", {"locale": "th", "next": "/console/tickets"}
                      ).status_code == 302
    thai = keep(agent, "km", "welcome", silence()).get_json()["error"]
    assert "เงียบ" in thai
    with csrf_app.extensions["helpline"].db.session() as session:
        assert session.scalar(select(PromptItem)) is None


def test_only_admins_and_speakers_of_the_language_record_it(as_role, staff, sentence):
    burmese = as_role("my_agent")
    assert burmese.get("/admin/prompts/km/record").status_code == 403
    assert keep(burmese, "km", "welcome", sentence).status_code == 403
    assert burmese.get("/admin/prompts/my/record").status_code == 200
    assert as_role("admin").get("/admin/prompts/km/record").status_code == 200
    assert as_role("admin").get("/admin/prompts/xx/record").status_code == 404
    without_csrf = as_role("km_agent")
    without_csrf.token = "forged"
    assert keep(without_csrf, "km", "welcome", sentence).status_code == 400
