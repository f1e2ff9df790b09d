"""Errors of the Slack emulator.

EmulatorError                 anything the emulator refuses to do for its *caller* (a test)
├── SlackMethodError          a Web API method fails the way Slack would (`ok: false, error: ...`);
│                             raised inside method handlers, turned into a JSON reply by the HTTP layer
└── DriverError               the driver cannot build what it was asked to send (no such button,
                              view not open, ...) - a mistake in the test, not in the bot
"""

from __future__ import annotations


class EmulatorError(Exception):
    pass


class SlackMethodError(EmulatorError):
    def __init__(self, error: str, *, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(error)
        self.error = error
        # Slack explains block errors in `response_metadata.messages`; keeping them makes a failing
        # test say which block and which limit.
        self.messages = list(messages or [])
        self.status = status


class DriverError(EmulatorError):
    pass
