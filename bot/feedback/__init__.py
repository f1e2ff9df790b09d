"""Feedback polls: a CSAT the day after a request succeeds, a periodic NPS, a fatigue cap, and
`/platform feedback` at any time.

    service = FeedbackService(store, PollPolicy.from_config(config.feedback))
    service.due(now)                        # pure decisions in bot.feedback.polls
    PollSender(client, service, 14).send_due(now)   # the scheduled job
"""

from __future__ import annotations

from bot.feedback.errors import FeedbackError, InvalidAnswer, NotYourPoll, PollNotFound
from bot.feedback.polls import PlannedPoll, PollPolicy, Succeeded, plan_polls
from bot.feedback.service import Answered, FeedbackService, Poll
from bot.feedback.slack import PollSender

__all__ = [
    "Answered",
    "FeedbackError",
    "FeedbackService",
    "InvalidAnswer",
    "NotYourPoll",
    "PlannedPoll",
    "Poll",
    "PollNotFound",
    "PollPolicy",
    "PollSender",
    "Succeeded",
    "plan_polls",
]
