"""The operator's commands, run as a user would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from agent_console.models import StaffUser
from agent_console.staff import verify_password
from helpline.db import Database
from tests.builders import make_environ

ROOT = Path(__file__).parents[2]


def helpline(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpline", *args], env=env, input=stdin,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_config_check_and_show(tmp_path):
    env = make_environ(tmp_path)
    ok = helpline(env, "config", "check")
    assert ok.returncode == 0 and "ok — 11 languages, 6 numbers" in ok.stdout
    shown = json.loads(helpline(env, "config", "show", "--json").stdout)
    assert {n["number"] for n in shown["numbers"]} >= {"+661800000101", "+601800881010"}
    assert {lang["code"] for lang in shown["languages"]} >= {"my", "shn", "km", "lo"}

    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "helpline/demo_config.yaml").read_text().replace(
        "language: km", "language: kh"))
    failed = helpline({**env, "HELPLINE_CONFIG": str(bad)}, "config", "check")
    assert failed.returncode == 1
    assert "unknown language 'kh'" in failed.stderr and "Traceback" not in failed.stderr


def test_users_add_and_seed_demo(tmp_path, database_url):
    env = make_environ(tmp_path, DATABASE_URL=database_url)
    added = helpline(env, "users", "add", "--email", "Nok@Example.org", "--role", "agent",
                     "--languages", "th:5,lo:4", "--password-stdin",
                     stdin="a long enough secret\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["languages"] == {"th": 5, "lo": 4}

    duplicate = helpline(env, "users", "add", "--email", "nok@example.org", "--role", "agent",
                         "--password-stdin", stdin="a long enough secret\n")
    assert duplicate.returncode == 1 and "exists already" in duplicate.stderr
    unknown = helpline(env, "users", "add", "--email", "x@example.org", "--role", "agent",
                       "--languages", "fr:5", "--password-stdin", stdin="a long enough secret\n")
    assert unknown.returncode == 1 and "unknown language 'fr'" in unknown.stderr

    database = Database(database_url)
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == "nok@example.org"))
        assert user.proficiency("lo") == 4
        assert verify_password(user.password_hash, "a long enough secret")
        assert "secret" not in user.password_hash
    database.dispose()

    # seed-demo only fills an empty database
    assert "nothing seeded" in helpline(env, "seed-demo").stdout


def test_seed_demo_covers_every_language(tmp_path, database_url):
    env = make_environ(tmp_path, DATABASE_URL=database_url)
    seeded = helpline(env, "seed-demo")
    assert seeded.returncode == 0 and "created 10 demo staff" in seeded.stdout
    database = Database(database_url)
    with database.session() as session:
        staff = session.scalars(select(StaffUser)).all()
        roles = {user.role for user in staff}
        covered = {skill.language for user in staff for skill in user.skills}
        multilingual = [u for u in staff if u.role == "agent" and len(u.skills) > 1]
    database.dispose()
    assert roles == {"admin", "supervisor", "agent"}
    assert covered >= {"my", "shn", "kac", "ksw", "mnw", "km", "th", "lo", "ne", "id", "en"}
    assert len(multilingual) >= 4
