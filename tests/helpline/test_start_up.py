"""What stops the helpline at start-up, and how it says so.

A bad configuration file is one line per problem, as a bad setting is. A feature,
command or periodic duty that cannot be imported stops the process that needs it
instead of being skipped: before, a missing `ivr.views` gave a web app without Twilio's
webhooks, and a missing scheduler duty was retried for ever as if Redis were down, so
retention silently stopped. A module is made missing here the way a typo or a broken
install makes it: `sys.modules[name] = None` makes importing it raise
ModuleNotFoundError, in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from tests.builders import make_environ

ROOT = Path(__file__).parents[2]
PACKAGES = ("helpline", "ivr", "call_routing", "recordings", "agent_console",
            "transcription", "prompts", "simulator")


def python(env: dict[str, str], code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout)


def without(module: str, then: str) -> str:
    return f"import sys\nsys.modules[{module!r}] = None\n{then}"


def misspelt_config(tmp_path: Path) -> Path:
    text = (ROOT / "helpline" / "demo_config.yaml").read_text(encoding="utf-8")
    path = tmp_path / "helpline.yaml"
    path.write_text(text.replace("retention:", "retension:").replace(
        "    staff_line: true\n", '    staff_line: "no"\n'), encoding="utf-8")
    return path


def test_the_web_app_refuses_a_bad_configuration_one_line_per_problem(tmp_path):
    config = misspelt_config(tmp_path)
    done = python(make_environ(tmp_path, HELPLINE_CONFIG=str(config)), "import helpline.wsgi")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"helpline: cannot start: {config}: "
        "numbers[5] (+661800000199).staff_line: expected true or false, got 'no'",
        f"helpline: cannot start: {config}: "
        "retension: unknown section — did you mean 'retention'?",
    ]


def test_commands_refuse_a_bad_configuration_one_line_per_problem(tmp_path):
    config = misspelt_config(tmp_path)
    env = make_environ(tmp_path, HELPLINE_CONFIG=str(config))
    checked = subprocess.run([sys.executable, "-m", "helpline", "config", "check"], env=env,
                             capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert checked.returncode == 1
    assert checked.stderr.splitlines() == [
        f"{config}: 2 problem(s)",
        "  numbers[5] (+661800000199).staff_line: expected true or false, got 'no'",
        "  retension: unknown section — did you mean 'retention'?",
    ]
    shown = subprocess.run([sys.executable, "-m", "helpline", "config", "show"], env=env,
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert len(shown.stderr.splitlines()) == 2
    assert all(line.startswith(f"helpline: {config}: ") for line in shown.stderr.splitlines())


def test_a_missing_feature_web_module_stops_the_web_app(tmp_path):
    done = python(make_environ(tmp_path), without(
        "ivr.views", "from helpline.app import create_app\ncreate_app()\nprint('started')"))
    assert done.returncode != 0 and "started" not in done.stdout
    assert "ModuleNotFoundError" in done.stderr and "ivr.views" in done.stderr


def test_a_missing_feature_cli_stops_the_command_line(tmp_path):
    done = python(make_environ(tmp_path), without(
        "transcription.cli", "from helpline.cli import cli\ncli(['--help'])"))
    assert done.returncode != 0 and "Commands:" not in done.stdout
    assert "ModuleNotFoundError" in done.stderr and "transcription.cli" in done.stderr


def test_a_missing_benchmark_is_an_import_error_not_not_built_yet(tmp_path):
    done = python(make_environ(tmp_path), without(
        "call_routing.bench", "from helpline.cli import cli\ncli(['bench', 'routing'])"))
    assert done.returncode != 0
    assert "not built yet" not in done.stderr
    assert "ModuleNotFoundError" in done.stderr and "call_routing.bench" in done.stderr


def test_a_missing_scheduler_duty_stops_the_scheduler(tmp_path, redis_url):
    # Before, this logged "scheduler cannot start yet (ModuleNotFoundError); retrying"
    # and retried for ever: this run would time out.
    done = python(make_environ(tmp_path, REDIS_URL=redis_url), without(
        "recordings.sweeper", "from helpline.cli import cli\ncli(['scheduler'])"), timeout=30)
    assert done.returncode != 0
    assert "ModuleNotFoundError" in done.stderr and "recordings.sweeper" in done.stderr
    assert "retrying" not in done.stderr


def test_every_feature_module_is_wired():
    """A feature's `views.py` or `cli.py` that nobody registered would be as silent as
    a skipped one: the lists in the composition root name every one there is."""
    from helpline.app import feature_web_modules
    from helpline.cli import cli

    wired = {module.__name__ for module in feature_web_modules()}
    views = {f"{package}.views" for package in PACKAGES
             if (ROOT / package / "views.py").is_file()}
    assert wired == views

    registered = set(cli.commands.values())
    for package in PACKAGES:
        if package != "helpline" and (ROOT / package / "cli.py").is_file():
            module = __import__(f"{package}.cli", fromlist=["commands"])
            commands = getattr(module, "commands", [])
            assert commands and all(isinstance(c, click.Command) for c in commands)
            assert set(commands) <= registered, f"{package}.cli is not wired"


def test_every_benchmark_named_is_importable():
    from helpline.cli import BENCHMARK_NAMES, benchmarks

    found = benchmarks()
    assert sorted(found) == sorted(BENCHMARK_NAMES)
    assert all(callable(run) for run in found.values())


def test_helpline_run_refuses_a_bad_configuration_before_starting_anything(tmp_path):
    config = misspelt_config(tmp_path)
    env = make_environ(tmp_path, HELPLINE_CONFIG=str(config))
    done = subprocess.run([sys.executable, "-m", "helpline", "run", "--no-seed"], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"helpline: {config}: "
        "numbers[5] (+661800000199).staff_line: expected true or false, got 'no'",
        f"helpline: {config}: retension: unknown section — did you mean 'retention'?",
    ]
    assert "running" not in done.stdout
