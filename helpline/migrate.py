"""Alembic driven from code, so `helpline db upgrade` needs no alembic.ini on disk.

Feature packages may add migrations on their own branch from `0001`; upgrading to
"heads" applies every branch, so parallel work never blocks on a shared chain.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    from helpline.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def heads() -> tuple[str, ...]:
    """The revisions `upgrade("heads")` ends at: one per feature branch from 0001."""
    return tuple(sorted(_scripts().get_heads()))


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revisions: tuple[str, ...]
    title: str
    is_head: bool
    applied: bool


def history(database_url: str | None = None) -> list[Revision]:
    """Every revision in the order `upgrade` applies them (base first); `applied` says
    whether the database at `database_url` has it (always False without one)."""
    scripts = _scripts()
    current_heads = current(database_url) if database_url else ()
    applied = {script.revision for script in
               scripts.iterate_revisions(current_heads, "base")} if current_heads else set()
    found = []
    for script in reversed(list(scripts.walk_revisions())):
        down = script.down_revision
        downs = (down,) if isinstance(down, str) else tuple(down or ())
        found.append(Revision(script.revision, downs, " ".join((script.doc or "").split()),
                              script.is_head, script.revision in applied))
    return found


def pending(database_url: str) -> list[str]:
    """The heads the database at `database_url` does not have yet."""
    return sorted(set(heads()) - set(current(database_url)))


def check(database_url: str) -> list[str]:
    """Where the database at `database_url` (at every head) and the models disagree,
    one line each; empty when they agree."""
    return [describe(difference) for difference in differences(database_url)]


def check_fresh() -> list[str]:
    """Models against what the migrations build, in a scratch SQLite database: a model
    changed without its migration (or a migration without its model) shows here."""
    with tempfile.TemporaryDirectory(prefix="helpline-db-check-") as folder:
        url = f"sqlite:///{Path(folder) / 'fresh.sqlite3'}"
        upgrade(url)
        return check(url)


def differences(database_url: str) -> list[Any]:
    """Alembic's autogenerate comparison of the database with every model's table, with
    the options the migrations environment uses (types compared too)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import helpline.models  # noqa: F401  (every table, as the migrations see them)
    from helpline.db import Base, make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def describe(difference: Any) -> str:
    """One autogenerate difference as a sentence naming the table and column."""
    if isinstance(difference, list):  # a column's modify_* changes come grouped
        return "; ".join(describe(item) for item in difference)
    kind = difference[0]
    if kind in {"add_table", "remove_table"}:
        table = difference[1].name
        return (f"table {table}: in the models, not in the database" if kind == "add_table"
                else f"table {table}: in the database, not in the models")
    if kind in {"add_column", "remove_column"}:
        _, _schema, table, column = difference
        where = ("in the models, not in the database" if kind == "add_column"
                 else "in the database, not in the models")
        return f"column {table}.{column.name}: {where}"
    if kind.startswith("modify_"):
        _, _schema, table, column, _existing, old, new = difference
        what = kind.removeprefix("modify_")
        return f"column {table}.{column}: {what} is {old!r} in the database, {new!r} in the models"
    if kind in {"add_index", "remove_index", "add_constraint", "remove_constraint",
                "add_fk", "remove_fk"}:
        item = difference[1]
        where = ("in the models, not in the database" if kind.startswith("add_")
                 else "in the database, not in the models")
        thing = {"index": "index", "constraint": "constraint", "fk": "foreign key"}[
            kind.split("_", 1)[1]]
        table = item.table.name if getattr(item, "table", None) is not None else "?"
        return f"{thing} {item.name or '(unnamed)'} on {table}: {where}"
    return f"{kind}: {difference[1:]!r}"


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://"))
