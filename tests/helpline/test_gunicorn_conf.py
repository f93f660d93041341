"""helpline.gunicorn_conf: one metrics folder per gunicorn master, emptied as it starts,
exited workers marked dead, a private folder when none is given."""

from __future__ import annotations

import os
import runpy
from types import SimpleNamespace

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def load_conf() -> dict:
    # Run, not imported: the module sets the variable as it loads, and this test
    # process must keep its own (unset) metrics mode.
    return runpy.run_module("helpline.gunicorn_conf")


def test_the_folder_is_emptied_at_start_and_dead_workers_are_marked(tmp_path, monkeypatch):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "histogram_101.db").write_bytes(b"samples of an earlier run")
    monkeypatch.setenv(VARIABLE, str(folder))
    conf = load_conf()
    conf["on_starting"](None)
    assert list(folder.iterdir()) == []

    (folder / "histogram_42.db").write_bytes(b"a worker's webhook timings")
    (folder / "gauge_livesum_42.db").write_bytes(b"a worker's live gauge")
    conf["child_exit"](None, SimpleNamespace(pid=42))
    # A dead worker's counts still count; its live gauges do not.
    assert sorted(p.name for p in folder.iterdir()) == ["histogram_42.db"]
    conf["on_exit"](None)
    assert folder.is_dir()                 # given by the operator: left in place


def test_without_a_folder_a_private_one_is_made_and_removed_at_exit(monkeypatch):
    monkeypatch.setenv(VARIABLE, "placeholder")   # so the test's end restores "unset"
    monkeypatch.delenv(VARIABLE)
    conf = load_conf()
    folder = conf["metrics_dir"]
    assert folder.is_dir() and os.environ[VARIABLE] == str(folder)
    assert folder.name.startswith("helpline-metrics-")
    conf["on_exit"](None)
    assert not folder.exists()
