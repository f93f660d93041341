"""Configuration validation names the exact place and problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from helpline.config import ConfigError, load_config, parse_config
from helpline.settings import DEMO_CONFIG


def demo() -> dict:
    return yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))


def test_demo_configuration_mirrors_the_real_service():
    config = load_config(DEMO_CONFIG)
    myanmar = config.number("+661800000101")
    assert myanmar is not None and myanmar.menu == ("my", "shn", "kac", "ksw", "mnw")
    assert config.number("+661800000103").menu == ("th", "lo")
    assert config.number("+661800000102").language == "km"
    assert config.number("+661800000104").language == "ne"
    indonesian = config.number("+601800881010")
    assert indonesian.language == "id" and indonesian.country == "MY"
    assert config.number("+661800000199").staff_line
    assert {lang.code for lang in config.languages.values() if lang.parent == "my"} == {
        "shn", "kac", "ksw", "mnw"}


def with_change(change) -> dict:
    raw = copy.deepcopy(demo())
    change(raw)
    return raw


def set_in(path, value):
    def change(raw):
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


CASES = [
    ("unknown direct language", set_in(["numbers", 1, "language"], "xx"),
     "numbers[1] (+661800000102).language: unknown language 'xx'"),
    ("neither language nor menu", lambda raw: raw["numbers"][1].pop("language"),
     "numbers[1] (+661800000102): has neither language nor menu"),
    ("menu lists an unknown language", set_in(["numbers", 0, "menu", 2], "zz"),
     "numbers[0] (+661800000101).menu[2]: unknown language 'zz'"),
    ("duplicate numbers", set_in(["numbers", 2, "number"], "+661800000101"),
     "numbers[2] (+661800000101).number: duplicate of numbers[0]"),
    ("number not in E.164", set_in(["numbers", 3, "number"], "02-123-4567"),
     "numbers[3] (02-123-4567).number: '02-123-4567' is not in E.164 form"),
    ("dialect whose parent is missing", set_in(["languages", "shn", "parent"], "bur"),
     "languages.shn.parent: dialect's parent 'bur' is not a configured language"),
    ("both language and menu", set_in(["numbers", 1, "menu"], ["km", "th"]),
     "numbers[1] (+661800000102): has both language and menu"),
    ("default language not on the line", set_in(["numbers", 2, "default_language"], "my"),
     "numbers[2] (+661800000103).default_language: 'my' is not offered on this line"),
    ("missing native name", lambda raw: raw["languages"]["km"].pop("native_name"),
     "languages.km.native_name: missing"),
    ("bad threshold type", set_in(["queue", "max_wait_seconds"], "ten minutes"),
     "queue.max_wait_seconds: expected int"),
    ("unknown queue setting", set_in(["queue", "max_hold"], 3),
     "queue.max_hold: unknown setting"),
    ("main menu action", set_in(["main_menu", 1, "action"], "fax"),
     "main_menu[1].action: 'fax' is not one of"),
    ("main menu without agent", set_in(["main_menu"], [{"key": "1", "action": "voicemail"}]),
     "main_menu: no option reaches an agent"),
    ("country code", set_in(["numbers", 0, "country"], "Thailand"),
     "numbers[0] (+661800000101).country: expected a two-letter country code"),
]


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_problem_is_named_with_its_place(change, expected):
    with pytest.raises(ConfigError) as caught:
        parse_config(with_change(change))
    assert any(problem.startswith(expected) for problem in caught.value.problems), (
        caught.value.problems)


def test_all_problems_are_reported_at_once():
    def two_problems(raw):
        raw["numbers"][1]["language"] = "xx"
        raw["numbers"][3]["number"] = "12345"
    with pytest.raises(ConfigError) as caught:
        parse_config(with_change(two_problems))
    assert len(caught.value.problems) == 2


def test_invalid_yaml_names_the_line(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("languages:\n  my: {name: Burmese\nnumbers: []\n")
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert "not valid YAML at line" in caught.value.problems[0]
