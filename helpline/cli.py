"""`helpline ...`: the operator's command line. Feature packages add their own commands here."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from helpline import queues
from helpline.config import ConfigError, load_config
from helpline.operations_cli import commands as operations_commands
from helpline.pii_cli import pii_group
from helpline.settings import SettingsError, load_settings
from ivr.cli import commands as ivr_commands
from prompts.cli import commands as prompts_commands
from simulator.cli import commands as simulator_commands
from transcription.cli import commands as transcription_commands

# The commands feature packages contribute (call, prompts, transcribe, twilio), imported
# by name: a missing or misspelt module stops the CLI instead of hiding its commands;
# and the operator's maintenance commands (db, backup, restore).
FEATURE_COMMANDS = (*simulator_commands, *prompts_commands, *transcription_commands,
                    *ivr_commands, *operations_commands)

BENCHMARK_NAMES = ("chaos", "idle", "routing", "transcription", "webhooks")


def benchmarks() -> dict[str, Callable[[list[str]], dict[str, Any]]]:
    """`helpline bench <what>` → the function that runs it and returns a JSON-able dict.
    Imported when a benchmark runs, not for every command: they bring load generators,
    stacks and speech models with them."""
    from call_routing.bench import bench_routing
    from helpline.chaos.bench import bench_chaos
    from helpline.footprint import bench_idle
    from simulator.bench import bench_webhooks
    from transcription.bench import bench_transcription

    return {"chaos": bench_chaos, "idle": bench_idle, "routing": bench_routing,
            "transcription": bench_transcription, "webhooks": bench_webhooks}


@click.group()
def cli() -> None:
    """The helpline call-center: run it, configure it, test a call."""


@cli.command()
@click.option("--port", type=int, default=None, help="Web port (default $PORT or 5000).")
@click.option("--no-seed", is_flag=True, help="Do not create demo staff in an empty database.")
@click.option("--stand-in-port", type=int, default=None,
              help="Port of the local Twilio stand-in (default 5050, or a free one).")
def run(port: int | None, no_seed: bool, stand_in_port: int | None) -> None:
    """The whole local stack in the foreground: Redis, web, workers, scheduler."""
    from helpline.runner import run_stack

    sys.exit(run_stack(port=port, seed=not no_seed, stand_in_port=stand_in_port))


@cli.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queues", "queue_list", default=",".join(queues.ALL), show_default=True,
              help="Comma-separated queues to serve.")
@click.option("--simple", is_flag=True,
              help="Run jobs in this process instead of forking (faster for transcription).")
def worker(burst: bool, queue_list: str, simple: bool) -> None:
    """An rq worker for the helpline's queues."""
    from helpline.worker import UnknownQueue, run_worker

    names = [name.strip() for name in queue_list.split(",") if name.strip()]
    try:
        run_worker(burst=burst, queue_names=names, simple=simple)
    except UnknownQueue as exc:
        click.echo(f"helpline worker: {exc}", err=True)
        sys.exit(1)


@cli.command()
def scheduler() -> None:
    """Enqueues periodic jobs (routing sweep, retention purge)."""
    from helpline.schedule import run_scheduler

    run_scheduler()


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Demo staff covering every language (only into an empty database)."""
    from helpline.demo import DEMO_PASSWORD, seed_demo
    from helpline.services import open_database

    database = open_database(load_settings().database_url)
    with database.session() as session:
        created = seed_demo(session)
    database.dispose()
    if created:
        click.echo(f"created {len(created)} demo staff; password {DEMO_PASSWORD!r}:")
        for email in created:
            click.echo(f"  {email}")
    else:
        click.echo("staff exist already; nothing seeded")


@cli.group()
def config() -> None:
    """The helpline configuration (HELPLINE_CONFIG)."""


@config.command("check")
def config_check() -> None:
    """Validate the configuration; exit 1 listing every problem."""
    settings = load_settings()
    try:
        loaded = load_config(settings.config_path)
    except ConfigError as exc:
        click.echo(f"{settings.config_path}: {len(exc.problems)} problem(s)", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"{settings.config_path}: ok — {len(loaded.languages)} languages, "
               f"{len(loaded.numbers)} numbers")


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Languages and numbers as JSON.")
def config_show(as_json: bool) -> None:
    loaded = load_config(load_settings().config_path)
    data = loaded.to_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for number in data["numbers"]:
        langs = number["menu"] or [number["language"]]
        click.echo(f"{number['number']}  {number['name']}: {', '.join(langs)}")


@cli.group()
def users() -> None:
    """Staff accounts."""


@users.command("add")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["agent", "supervisor", "admin"]))
@click.option("--languages", default="", help="Skills as LANG:LEVEL, e.g. my:5,shn:4")
@click.option("--name", default=None, help="Display name (default: the email's local part).")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from arguments).")
def users_add(email: str, role: str, languages: str, name: str | None,
              password_stdin: bool) -> None:
    from agent_console.staff import StaffError, create_staff, parse_skills
    from helpline.services import open_database

    settings = load_settings()
    password = sys.stdin.readline().rstrip("\n")
    database = open_database(settings.database_url)
    try:
        skills = parse_skills(languages, load_config(settings.config_path).languages)
        with database.session() as session:
            user = create_staff(session, email=email, role=role, password=password,
                                skills=skills, display_name=name)
            click.echo(json.dumps({"id": user.id, "email": user.email, "role": user.role,
                                   "languages": skills}))
    except StaffError as exc:
        click.echo(f"helpline users add: {exc}", err=True)
        sys.exit(1)
    finally:
        database.dispose()


@cli.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--previous-key-file", "previous_key_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="A file holding a SECRET_KEY used before a rotation (repeatable).")
@click.option("--anchor", default=None, metavar="SEQ:HASH",
              help="A head printed by an earlier run: a problem if the log lost it.")
def audit_verify(as_json: bool, previous_key_files: tuple[str, ...],
                 anchor: str | None) -> None:
    """Check every audit entry's MAC and chain; exit 1 with one line per problem."""
    from agent_console.audit import parse_anchor, report_json, report_lines, verify_database

    try:
        head = parse_anchor(anchor) if anchor else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--anchor") from exc
    report = verify_database(load_settings(), previous_key_files, anchor=head)
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2))
    else:
        for line in report_lines(report):
            click.echo(line)
    sys.exit(0 if report.ok else 1)


cli.add_command(pii_group)

from cases.api.tokens_cli import tokens  # noqa: E402

cli.add_command(tokens)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("what", type=click.Choice(BENCHMARK_NAMES))
@click.option("--json", "as_json", is_flag=True, default=True, help="Print JSON (default).")
@click.pass_context
def bench(ctx: click.Context, what: str, as_json: bool) -> None:
    """Benchmarks: print JSON figures."""
    result = benchmarks()[what](list(ctx.args))
    click.echo(json.dumps(result, indent=2))


for _command in FEATURE_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except (SettingsError, ConfigError) as exc:
        # A configuration error may be several problems: one line each, as settings are.
        for line in str(exc).splitlines():
            click.echo(f"helpline: {line}", err=True)
        sys.exit(1)
if __name__ == "__main__":
    main()
