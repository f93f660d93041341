"""Configuration validation names the exact place and problem, and accepts nothing it
does not know: an unknown key or a wrong type is an error, never a silent default."""

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
     "queue.max_wait_seconds: expected a whole number, got 'ten minutes'"),
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


def problems_of(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return caught.value.problems


def test_a_misspelt_section_is_an_error_not_the_defaults():
    # Read as "no retention section", audio would be kept for the default 90 days.
    def misspelt(raw):
        raw["retension"] = {"audio_days": 30, "transcript_days": 180}
        del raw["retention"]
    assert problems_of(with_change(misspelt)) == [
        "retension: unknown section — did you mean 'retention'?"]


def test_an_unknown_key_in_a_number_is_an_error():
    assert problems_of(with_change(set_in(["numbers", 2, "stafff_line"], True))) == [
        "numbers[2] (+661800000103).stafff_line: unknown setting — did you mean "
        "'staff_line'?"]


def test_an_unknown_key_in_a_section_names_the_known_ones():
    [problem] = problems_of(with_change(set_in(["reliability"], {"speed": 10})))
    assert problem == ("reliability.speed: unknown setting — expected one of "
                       "intake_sweep_seconds, job_lease_seconds, max_transcription_attempts, "
                       "recovery_sweep_seconds")


def staff_line_as_written(value: str) -> str:
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    return text.replace("    staff_line: true\n", f"    staff_line: {value}\n")


def test_staff_line_written_as_the_text_no_is_an_error(tmp_path: Path):
    path = tmp_path / "helpline.yaml"
    path.write_text(staff_line_as_written('"no"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "numbers[5] (+661800000199).staff_line: expected true or false, got 'no'"]


@pytest.mark.parametrize(("written", "staff_line"), [
    ("true", True), ("false", False), ("no", False), ("yes", True)])
def test_yaml_booleans_are_booleans(tmp_path: Path, written: str, staff_line: bool):
    # PyYAML reads unquoted yes/no as booleans (YAML 1.1), so those are fine.
    path = tmp_path / "helpline.yaml"
    path.write_text(staff_line_as_written(written), encoding="utf-8")
    assert load_config(path).number("+661800000199").staff_line is staff_line


WRONG_TYPES = [
    # Each of these was accepted before the schema was strict.
    (["voicemail", "min_length_seconds"], True,
     "voicemail.min_length_seconds: expected a number, got True"),
    (["languages", "th", "espeak_voice"], 5,
     "languages.th.espeak_voice: expected text, got 5"),
    (["retention", "audio_days"], 0, "retention.audio_days: must be at least 1, got 0"),
    (["routing", "proficiency_threshold"], 7,
     "routing.proficiency_threshold: must be at most 5, got 7"),
    (["queue", "announce_interval_seconds"], 0,
     "queue.announce_interval_seconds: must be at least 1, got 0"),
    (["numbers", 0, "name"], ["Myanmar"],
     "numbers[0] (+661800000101).name: expected text, got ['Myanmar']"),
    (["numbers", 3, "staff_line"], 1,
     "numbers[3] (+661800000104).staff_line: expected true or false, got 1"),
    (["queue", "max_wait_seconds"], "600",
     "queue.max_wait_seconds: expected a whole number, got '600'"),
    (["queue", "max_wait_seconds"], 600.5,
     "queue.max_wait_seconds: expected a whole number, got 600.5"),
    (["default_number"], 661800000101, "default_number: expected text, got 661800000101"),
    (["numbers", 3, "number"], 661800000104,
     "numbers[3] (661800000104).number: write the number in quotes (\"+661800000104\")"),
    (["main_menu", 0, "key"], "12", "main_menu[0].key: '12' is not a phone key"),
    (["retention"], [90], "retention: expected a mapping, got [90]"),
    (["numbers"], [], "numbers: must not be empty"),
    (["numbers", 0, "country"], "TH\n",
     "numbers[0] (+661800000101).country: expected a two-letter country code"),
    (["numbers", 1, "number"], "+661800000102\n",
     "numbers[1] (+661800000102\n).number: '+661800000102\\n' is not in E.164 form"),
    (["numbers", 0, "menu"], "my", "numbers[0] (+661800000101).menu: expected a list, got 'my'"),
]


@pytest.mark.parametrize(("path", "value", "expected"), WRONG_TYPES,
                         ids=[".".join(map(str, case[0])) + f"={case[1]!r}"
                              for case in WRONG_TYPES])
def test_a_wrong_type_or_range_is_an_error(path, value, expected):
    problems = problems_of(with_change(set_in(path, value)))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_an_unquoted_digit_still_names_its_key():
    config = parse_config(with_change(set_in(["main_menu", 0, "key"], 1)))
    assert config.main_menu[0].key == "1"


def test_an_empty_section_keeps_its_defaults():
    config = parse_config(with_change(set_in(["retention"], None)))
    assert (config.retention.audio_days, config.retention.transcript_days) == (90, 365)


def test_a_broken_language_list_is_one_problem_not_one_per_reference():
    assert problems_of(with_change(set_in(["languages"], "my, km"))) == [
        "languages: expected a mapping, got 'my, km'"]


def test_each_problem_is_one_line_naming_the_file(tmp_path: Path):
    path = tmp_path / "helpline.yaml"
    raw = with_change(set_in(["numbers", 0, "menu", 1], "sh\nn"))
    raw["retension"] = {}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert lines == [f"{path}: {problem}" for problem in caught.value.problems]
    assert len(lines) == 2 and all(line.startswith(f"{path}: ") for line in lines)


TRANSCRIPTION_CASES = [
    ({"engines": {"id": "whisperx"}},
     "transcription.engines.id: 'whisperx' is not one of vosk, whisper, human"),
    ({"engines": {"KO": "vosk"}},
     "transcription.engines.KO: 'KO' is not a language code"),
    ({"wisper": {}}, "transcription.wisper: unknown setting — did you mean 'whisper'?"),
    ({"whisper": {"no_speech_threshold": 2}},
     "transcription.whisper.no_speech_threshold: must be at most 1"),
]


@pytest.mark.parametrize(("section", "expected"), TRANSCRIPTION_CASES,
                         ids=[case[1].split(":")[0] for case in TRANSCRIPTION_CASES])
def test_the_transcription_section_is_strict_too(section, expected):
    [problem] = problems_of(with_change(set_in(["transcription"], section)))
    assert problem.startswith(expected)


def test_the_transcription_section_is_read():
    config = parse_config(with_change(set_in(["transcription"], {
        "engines": {"id": "whisper", "ko": "vosk"}, "whisper": {"min_cpu_seconds": 2}})))
    assert config.transcription.engine_for("id") == "whisper"
    assert config.transcription.whisper.min_cpu_seconds == 2


REPOSITORY_CONFIGS = [
    DEMO_CONFIG,
    Path(__file__).parents[1] / "transcription" / "korean_config.yaml",
]


@pytest.mark.parametrize("path", REPOSITORY_CONFIGS, ids=lambda path: path.name)
def test_every_configuration_in_the_repository_loads(path: Path):
    config = load_config(path)
    assert config.numbers and config.languages


def test_the_configurations_tests_build_load(tmp_path: Path):
    from helpline.chaos.config import write_config
    from tests.prompts.helpers import demo_config_text_with_khmer_fallback

    chaos, _ = write_config(tmp_path / "chaos.yaml", {"intake_sweep_seconds": 2})
    assert load_config(chaos).reliability.intake_sweep_seconds == 2
    assert parse_config(yaml.safe_load(demo_config_text_with_khmer_fallback())
                        ).language("km").fallback == "th"


def test_a_key_given_twice_is_an_error(tmp_path: Path):
    # PyYAML keeps the later one silently: here the 30-day retention would be lost.
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "helpline.yaml"
    path.write_text(text.replace("retention:\n", "retention:\n  audio_days: 30\n", 1)
                    + "\nretention:\n  audio_days: 90\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    first = text.splitlines().index("retention:") + 1
    [problem] = caught.value.problems
    assert problem.endswith(f": retention is given twice (first at line {first})")
    assert problem.startswith("line ")


def test_a_key_given_twice_in_one_entry_is_an_error(tmp_path: Path):
    path = tmp_path / "helpline.yaml"
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8").replace(
        "    staff_line: true\n", "    staff_line: true\n    staff_line: false\n"),
        encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "staff_line is given twice" in caught.value.problems[0]


def test_yaml_merge_keys_still_work(tmp_path: Path):
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    khmer = '  - number: "+661800000102"\n'
    nepali = '  - number: "+661800000104"\n    name: Nepali line\n    country: TH\n'
    assert khmer in text and nepali in text
    path = tmp_path / "helpline.yaml"
    path.write_text(text.replace(khmer, '  - &thai_line\n    number: "+661800000102"\n')
                    .replace(nepali, '  - <<: *thai_line\n    number: "+661800000104"\n'
                             '    name: Nepali line\n'), encoding="utf-8")
    nepali_line = load_config(path).number("+661800000104")
    assert (nepali_line.country, nepali_line.language) == ("TH", "ne")
