"""Fixtures for the fault-injection suite: a real stack (`helpline run` with its own
redis-server and database) per test module and backend, always torn down.

PostgreSQL runs when TEST_DATABASE_URL is set, in a database of the suite's own on
that server (created and dropped here: other tests use the `test` database at the
same time), and only for the modules that ask for it (CI's time budget).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.chaos.database import database_for
from helpline.chaos.scenarios import CHAOS_RELIABILITY
from helpline.chaos.stack import Stack, new_stack

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
SQLITE_ONLY = ["sqlite"]
BOTH = ["sqlite"] + ([TEST_DATABASE_URL] if TEST_DATABASE_URL else [])


def backend_id(spec: str) -> str:
    return "sqlite" if spec == "sqlite" else "postgresql"


def start_stack(tmp_path_factory: pytest.TempPathFactory, name: str, spec: str
                ) -> Iterator[Stack]:
    folder: Path = tmp_path_factory.mktemp(f"chaos-{name}-{backend_id(spec)}")
    stack = new_stack(folder, database_for(spec, folder), CHAOS_RELIABILITY)
    try:
        stack.start()
        yield stack
    finally:
        leftovers = stack.stop()
    assert not leftovers, f"processes left behind by the stack (now killed): {leftovers}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under pytest-xdist (`make test` runs two workers) the fault scenarios run one
    # after another on one worker, never two stacks with timed faults side by side,
    # while the other worker takes the rest of the suite.
    chaos_folder = Path(__file__).parent
    for item in items:
        if chaos_folder in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("chaos"))
