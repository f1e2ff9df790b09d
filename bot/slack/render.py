"""User-facing text: Jinja2 templates that render Block Kit JSON.

Every `{{ value }}` lands inside a JSON string, so the environment's `finalize` escapes twice:
first for Slack mrkdwn (`&`, `<`, `>` — otherwise user text could forge mentions or links), then
for JSON. Text the code built on purpose (links, mentions) is wrapped in `Trusted` to skip the
mrkdwn step. Text that is not the code's own goes into a ``` block only through the `code_block`
filter, into inline code through `code`, and into prose through `literal`, so it can neither end
the template's own markup early nor add any. Values that are not mrkdwn at all (button values,
which Slack hands back exactly as sent) go through `verbatim`: JSON-escaped only. The environment
is sandboxed: templates can read attributes, not call into Python.

Slack has no backslash escape. It documents exactly three entities (`&amp; &lt; &gt;`), which
`escape_mrkdwn` applies; for the formatting characters (`` ` * _ ~ ``) the only way to make them
literal is not to send them: they become look-alikes (see `literal`, `code`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from intents.text import SLACK_MARKUP, unescape_entities

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


ZERO_WIDTH_SPACE = "\u200b"
_BACKTICK_PAIR_BEFORE_ONE_MORE = re.compile(r"``(?=`)")


def break_fences(text: str) -> str:
    """Text that cannot end a ``` block: every run of three or more backticks gets a zero-width
    space after each second backtick (a README's ```sh fence stays inside the plan's block)."""
    return _BACKTICK_PAIR_BEFORE_ONE_MORE.sub("``" + ZERO_WIDTH_SPACE, text)


def code_block(text: Any) -> Trusted:
    """The one way engine or user text goes into a ``` block: mrkdwn-escaped, fences broken, and
    kept off the block's own fences (a backtick at either end would join them into a longer run)."""
    body = break_fences(escape_mrkdwn(str(text if text is not None else "")))
    if body.startswith("`"):
        body = ZERO_WIDTH_SPACE + body
    if body.endswith("`"):
        body += ZERO_WIDTH_SPACE
    return Trusted(f"```{body}```")


# Slack ends inline code at any backtick and has no escape for one: inside a span, a backtick
# shows as this look-alike instead.
GRAVE_LOOKALIKE = "\u02cb"


def code(text: Any) -> Trusted:
    """The one way engine or user text goes into inline `code`: mrkdwn-escaped, on one line, and
    unable to end the span early. Empty text gives no span at all (a bare `` is raw markup)."""
    body = " ".join(escape_mrkdwn(str(text if text is not None else "")).splitlines())
    return Trusted(f"`{body.replace('`', GRAVE_LOOKALIKE)}`" if body.strip() else "")


# A user or channel id as a parameter value (`owners=U0DEV2,U0DEV3`, `channel=C0ALERTS`): values
# are otherwise lower-case by the catalog's rules, so an upper-case id after `=` or `,` is one.
_ID_VALUE = re.compile(r"(?<=[=,])([UWC][A-Z0-9]{2,20})(?=,|\s|$)")


def intent_code(intent_text: str | None) -> Trusted:
    """The canonical intent in code, except the people and channels in it, which Slack shows as
    names only outside code: `service payments env=prod owners=`<@U0DEV2>."""
    intent_text = intent_text or ""
    pieces: list[str] = []
    start = 0
    for found in _ID_VALUE.finditer(intent_text):
        pieces.append(code(intent_text[start : found.start()]))
        ident = found.group(1)
        pieces.append(f"<#{ident}>" if ident.startswith("C") else f"<@{ident}>")
        start = found.end()
    pieces.append(code(intent_text[start:]))
    return Trusted("".join(pieces))


# A look-alike for each character mrkdwn reads as formatting. Look-alikes rather than zero-width
# spaces: Slack treats a zero-width space as a word boundary, so inserting one *enables* a marker
# in mid-word instead of disabling it; a look-alike is never a marker, whatever the parser.
MARKER_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": GRAVE_LOOKALIKE}
# Slack opens or closes `*bold*`, `_italic_`, `~strike~` only at a word boundary, so a marker
# between two letters or digits (`billing_prod`, `a*b`) is already literal and stays as typed.
_MARKER = re.compile(r"(?<![^\W_])[*_~]|[*_~](?![^\W_])|`")


def literal(text: Any, one_line: bool = False) -> Trusted:
    """The one way user-typed prose (a reason, a comment, a description, an error) goes into
    mrkdwn: `&<>` escaped, every marker that could format or open code swapped for its
    look-alike. `one_line` joins lines (for a `>` quote or a list item, which a newline ends)."""
    body = escape_mrkdwn(str(text if text is not None else ""))
    body = _MARKER.sub(lambda m: MARKER_LOOKALIKES[m.group()], body)
    return Trusted(" ".join(body.split()) if one_line else body)


def as_typed(text: Any) -> str:
    """Slash-command text as the person saw it while typing: Slack's markup back to `@name`,
    `#channel` or the link, its entities back to characters (for echoing it, e.g. in `code`)."""
    return unescape_entities(SLACK_MARKUP.sub(_shown, str(text if text is not None else "")))


# A code span, or else a *bold* run (never looked for inside a span, where `*` is the user's).
_SPAN_OR_BOLD = re.compile(r"`(?P<code>[^`\n]*)`|(?<![^\W_])\*(?P<bold>[^*`\n]+)\*(?![^\W_])")


def plain_text(text: Any) -> str:
    """Mrkdwn composed for a message, as a `plain_text` place shows it (modal field errors, hints,
    labels): Slack renders those characters as they are, so no backticks, `*bold*` or `<...>`
    markup. Code spans become quotes, bold its words, mentions and links their names."""
    shown = _SPAN_OR_BOLD.sub(_unmarked, as_typed(text))
    return shown.replace("`", "'")


def _unmarked(found: re.Match[str]) -> str:
    code = found.group("code")
    return f"\u201c{code}\u201d" if code is not None else found.group("bold")


def _shown(markup: re.Match[str]) -> str:
    target, _, label = markup.group()[1:-1].partition("|")
    if target.startswith("!subteam^"):
        return "@" + (label.removeprefix("@") or target.removeprefix("!subteam^"))
    if target.startswith("!"):
        return "@" + target[1:]
    if target[0] in "@#":
        return target[0] + (label or target[1:])
    return label or target


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
    env.filters["code_block"] = code_block
    env.filters["code"] = code
    env.filters["as_typed"] = as_typed
    env.filters["literal"] = literal
    env.filters["intent"] = intent_code
    # Not mrkdwn (a button value): Slack returns it exactly as sent, so no entities.
    env.filters["verbatim"] = Trusted
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
