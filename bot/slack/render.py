"""User-facing text: Jinja2 templates that render Block Kit JSON.

Every `{{ value }}` lands inside a JSON string, so the environment's `finalize` escapes twice:
first for Slack mrkdwn (`&`, `<`, `>` — otherwise user text could forge mentions or links), then
for JSON. Text the code built on purpose (links, mentions) is wrapped in `Trusted` to skip the
mrkdwn step. The environment is sandboxed: templates can read attributes, not call into Python.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

TEMPLATE_DIR = Path(__file__).parent / "templates"


class Trusted(str):
    """Mrkdwn the code composed itself (mentions, links): inserted without mrkdwn escaping."""

    __slots__ = ()


class _RawJson(str):
    """A whole JSON value (object, list, number) spliced into a template by the `json` filter."""

    __slots__ = ()


def escape_mrkdwn(text: str) -> str:
    # Slack's own rule: only these three characters are control characters in mrkdwn text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, Trusted) else escape_mrkdwn(str(value))


def _finalize_json(value: Any) -> str:
    if isinstance(value, _RawJson):
        return value
    # json.dumps gives a quoted string; the template already supplies the quotes.
    return json.dumps(_mrkdwn(value), ensure_ascii=False)[1:-1]


@lru_cache(maxsize=2)
def environment(kind: str = "json") -> SandboxedEnvironment:
    """`json` templates render Block Kit; `txt` templates render plain mrkdwn (fallback text, comments)."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        undefined=StrictUndefined,
        finalize=_finalize_json if kind == "json" else _mrkdwn,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["json"] = lambda value: _RawJson(json.dumps(value, ensure_ascii=False))
    env.filters["trusted"] = Trusted
    return env


def render_blocks(name: str, /, **context: Any) -> list[dict[str, Any]]:
    """Render `templates/<name>.json.j2` into a list of blocks."""
    text = environment("json").get_template(f"{name}.json.j2").render(**context)
    blocks = json.loads(text)
    if not isinstance(blocks, list):
        raise TypeError(f"template {name} must render a JSON list of blocks")
    return blocks


def render_text(name: str, /, **context: Any) -> str:
    """Render `templates/<name>.txt.j2` as mrkdwn text."""
    return environment("txt").get_template(f"{name}.txt.j2").render(**context).strip()
