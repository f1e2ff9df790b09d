"""What Slack's servers do to slash-command text before the app sees it (the command's `should_escape`).

The text arrives as a Slack client sends it: `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;`, and a
person picked from @-autocomplete as `<@U123>` (some clients add `|label`); what the person only
typed, `@riley`, is plain text. With escaping on, Slack sends every mention with the member's
username as its label (`<@U123|riley>`), channels as `<#C123|general>`, user groups as
`<!subteam^S123|@security>`, and wraps bare URLs as links (`<https://x.example>`). With escaping
off, mentions are flattened back to what the person saw (`@riley`): the app cannot tell who it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.devtools.slack_emulator.state import EmulatorState

# One piece of client markup: `<@U1>`, `<@U1|label>`, `<#C1|name>`, `<!subteam^S1|@x>`, `<url|text>`.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
# What Slack's link detection takes for a URL in plain text; trailing punctuation stays outside.
_BARE_URL = re.compile(r"\bhttps?://[^\s<>\"]*[^\s<>\".,;:!?)'\]]")

Lookup = Callable[[str], str | None]


def command_text(text: str, state: EmulatorState, *, escape: bool) -> str:
    """`text` as Slack delivers it in a slash command's `text` field, names from the workspace."""

    def user_name(user_id: str) -> str | None:
        user = state.users.get(user_id)
        return user.name if user else None

    def channel_name(channel_id: str) -> str | None:
        channel = state.channels.get(channel_id)
        return channel.name if channel and not channel.is_im else None

    return escape_text(text, escape=escape, user_name=user_name, channel_name=channel_name)


def escape_text(text: str, *, escape: bool, user_name: Lookup, channel_name: Lookup) -> str:
    """command_text() with the names looked up by the caller."""
    out: list[str] = []
    last = 0
    for match in _MARKUP.finditer(text):
        out.append(_plain(text[last : match.start()], escape))
        out.append(_markup(match, escape, user_name, channel_name))
        last = match.end()
    out.append(_plain(text[last:], escape))
    return "".join(out)


def _plain(text: str, escape: bool) -> str:
    return _BARE_URL.sub(lambda m: f"<{m.group()}>", text) if escape else text


def _markup(match: re.Match[str], escape: bool, user_name: Lookup, channel_name: Lookup) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("@"):
        name = user_name(target[1:]) or label or target[1:]
        return f"<{target}|{name}>" if escape else f"@{name}"
    if target.startswith("#"):
        name = channel_name(target[1:]) or label or target[1:]
        return f"<{target}|{name}>" if escape else f"#{name}"
    if escape:
        return match.group()
    if target.startswith("!subteam^"):
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!"):
        return "@" + target[1:]
    return label or target
