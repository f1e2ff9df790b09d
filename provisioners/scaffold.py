"""`platformbot paths new <name>`: a golden-path package a platform team installs and grows.

What it writes works as written: its program declares one resource of a dynamic provider that
keeps its record in the stack state only (nothing outside is touched), so the package installs,
is discovered, passes its rule tests and previews on the real engine before its authors replace
the provider with the thing they provision. The file texts are in provisioners/scaffold_files/.
"""

from __future__ import annotations

import re
from pathlib import Path

FILES = Path(__file__).resolve().parent / "scaffold_files"
NAME = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
# template file -> where it goes; {module} is the Python package's name.
LAYOUT = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "init.py.tmpl": "{module}/__init__.py",
    "program.py.tmpl": "{module}/program.py",
    "provider.py.tmpl": "{module}/provider.py",
    "catalog.yaml.tmpl": "{module}/catalog.yaml",
    "rules.yaml.tmpl": "{module}/rules.yaml",
    "rule-tests.yaml.tmpl": "{module}/rule-tests.yaml",
    "test_preview.py.tmpl": "tests/test_preview.py",
}


class ScaffoldError(Exception):
    """The name is not usable or the target exists; the message says which."""


def module_name(name: str) -> str:
    return "platformbot_" + name.replace("-", "_")


def scaffold(name: str, parent: Path, *, owner: str = "team-platform") -> Path:
    """Write the package for golden path `name` into `parent/<name>`; returns that folder."""
    if not NAME.match(name) or "--" in name:
        raise ScaffoldError(
            f"`{name}` cannot name a golden path: lower-case letters, digits and single hyphens, "
            "starting with a letter, 3 to 40 characters"
        )
    target = parent / name
    if target.exists():
        raise ScaffoldError(f"{target} exists already; choose another folder or name")
    values = {
        "name": name,
        "module": module_name(name),
        "owner": owner,
        "rule_prefix": name,
        "class_name": "".join(part.title() for part in name.split("-")) + "Record",
    }
    for template, relative in LAYOUT.items():
        path = target / relative.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (FILES / template).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        path.write_text(text, encoding="utf-8")
    return target
