"""Errors of the feedback polls. Each `.message` is safe to show the person who clicked.

bot.errors.WorkflowError      (so the Slack listeners' `user_errors` shows the message)
└── FeedbackError             base of this package
    ├── PollNotFound          a button names a poll the store does not have
    ├── NotYourPoll           someone other than the person asked answered a poll
    └── InvalidAnswer         a score outside the poll's scale, or an empty feedback form
"""

from __future__ import annotations

from bot.errors import WorkflowError


class FeedbackError(WorkflowError):
    pass


class PollNotFound(FeedbackError):
    def __init__(self) -> None:
        super().__init__("That poll is no longer open.")


class NotYourPoll(FeedbackError):
    def __init__(self) -> None:
        super().__init__("That question was for someone else; `/platform feedback` is open to you any time.")


class InvalidAnswer(FeedbackError):
    pass
