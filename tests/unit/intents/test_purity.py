"""intents/ and rulebook/ stay pure: no Slack, Pulumi, database or scheduler imports (read with ast)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = {"slack_bolt", "slack_sdk", "pulumi", "sqlmodel", "apscheduler"}
FORBIDDEN_BY_PACKAGE = {"intents": FORBIDDEN, "rulebook": FORBIDDEN | {"bot", "provisioners"}}


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def forbidden_imports(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in imported_modules(path.read_text(encoding="utf-8")):
            if module.split(".")[0] in FORBIDDEN_BY_PACKAGE[package]:
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN_BY_PACKAGE))
def test_pure_packages_import_no_adapters(package: str) -> None:
    assert (ROOT / package / "__init__.py").exists()
    assert forbidden_imports(package) == []


def test_the_scan_sees_every_import_form() -> None:
    source = "import pulumi.automation as auto\nfrom slack_sdk import WebClient\nfrom . import x\n"
    assert imported_modules(source) == {"pulumi.automation", "slack_sdk"}


def test_intents_imports_only_the_standard_library_pydantic_and_yaml() -> None:
    allowed = set(sys.stdlib_module_names) | {"intents", "pydantic", "yaml"}
    outside = {
        module
        for path in (ROOT / "intents").rglob("*.py")
        for module in imported_modules(path.read_text(encoding="utf-8"))
        if module.split(".")[0] not in allowed
    }
    assert outside == set()
