"""The one exception providers raise on purpose.

The engine reports a provider exception as text in its diagnostics. The runner shows a user only
the part after MARKER, so everything a provider raises deliberately is written for people, and
anything else (a library's own message) stays in the log.
"""

from __future__ import annotations

import re

MARKER = "platformbot: "
MESSAGE_RE = re.compile(re.escape(MARKER) + r"(?P<message>[^\n]+)")


class ProviderFailure(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(MARKER + message)
        self.message = message


def user_message(text: str) -> str | None:
    """The deliberate provider message inside an engine diagnostic, if there is one."""
    found = MESSAGE_RE.search(text)
    return found.group("message").strip() if found else None
