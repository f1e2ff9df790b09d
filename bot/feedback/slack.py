"""Feedback in Slack: poll DMs, the one-click answers, and the `/platform feedback` modal.

Listeners ack first and then talk to the store (convention 1). A poll message is replaced in
place by a thank-you once answered, so a second click normally cannot happen; when it does
(double click, retry) the store keeps the first answer and the message shows that one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock
from bot.feedback.errors import FeedbackError, InvalidAnswer
from bot.feedback.polls import PlannedPoll, scale
from bot.feedback.service import FeedbackService, Poll
from bot.slack.conversations import direct_message, dm_channel
from bot.slack.render import Trusted, code, render_blocks
from bot.slack.services import SlackServices, user_errors
from bot.workflow import format_request_id
from intents import Command

log = logging.getLogger(__name__)

SCORE_ACTION = re.compile(r"^feedback_score_\d{1,2}$")
COMMENT_ACTION = "feedback_comment"
FEEDBACK_FORM = "feedback_modal"
NPS_QUESTION = "How likely are you to recommend the platform's golden paths to a colleague?"


def question(kind: str, request_id: int | None, subject: str) -> Trusted:
    if kind == "csat" and request_id is not None:
        about = f"*{format_request_id(request_id)}*"
        if subject:
            about += f" {code(subject)}"  # a backtick in the request's text cannot end the span
        return Trusted(f"How did {about} go for you?")
    return Trusted(f"*{NPS_QUESTION}*")


def poll_blocks(poll_id: int, planned: PlannedPoll, fatigue_days: int) -> list[dict[str, Any]]:
    buttons = [
        {"action_id": f"feedback_score_{n}", "value": f"{poll_id}:{n}", "label": str(n)}
        for n in scale(planned.kind)
    ]
    hint = "1 = poor, 5 = great." if planned.kind == "csat" else "0 = not at all, 10 = extremely."
    return render_blocks(
        "feedback_poll",
        question=question(planned.kind, planned.request_id, planned.subject),
        buttons=buttons,
        scale_hint=hint,
        fatigue_days=fatigue_days,
    )


def parse_score_value(value: str) -> tuple[int, int]:
    try:
        poll_id, score = (int(part) for part in value.split(":", 1))
    except ValueError as exc:
        raise InvalidAnswer("That answer could not be read.") from exc
    return poll_id, score


@dataclass
class PollSender:
    """Sends planned polls by DM (one `conversations.open` and one `chat.postMessage` each)."""

    client: WebClient
    service: FeedbackService
    fatigue_days: int

    def send_due(self, now: datetime) -> list[int]:
        """The feedback job: send every poll due at `now`; returns the ids of polls delivered.
        A poll that fails to send is discarded and tried again at the next run."""
        sent: list[int] = []
        for planned in self.service.due(now):
            poll_id = self.service.reserve(planned, now)
            try:
                channel = dm_channel(self.client, planned.user)
                response = self.client.chat_postMessage(
                    channel=channel,
                    blocks=poll_blocks(poll_id, planned, self.fatigue_days),
                    text="A one-click question from the platform team",
                )
            except SlackApiError as exc:
                log.warning("feedback poll to %s failed: %s", planned.user, exc.response.get("error"))
                self.service.discard(poll_id)
                continue
            except Exception:
                # Not only Slack's errors: a poll left reserved without a message would hold back
                # this person's polls (fatigue cap) and the request's CSAT for good.
                log.exception("feedback poll to %s failed", planned.user)
                self.service.discard(poll_id)
                continue
            self.service.delivered(poll_id, channel, str(response["ts"]))
            sent.append(poll_id)
        return sent


def feedback_modal(paths: Sequence[str], *, poll: Poll | None = None, subject: str = "") -> dict[str, Any]:
    intro = (
        Trusted("Tell the platform team how it is going. A score, a comment, or both.")
        if poll is None
        else Trusted(f"A comment on: {question(poll.kind, poll.request_id, subject)}")
    )
    return {
        "type": "modal",
        "callback_id": FEEDBACK_FORM,
        "private_metadata": json.dumps({"poll_id": poll.id if poll else None}),
        "title": {"type": "plain_text", "text": "Platform feedback"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": render_blocks(
            "feedback_modal",
            intro=intro,
            ask_score=poll is None,
            paths=list(paths) if poll is None else [],
        ),
    }


@dataclass(frozen=True)
class Feedback:
    """Feedback as a feature of the app: the poll buttons, the modal and `/platform feedback`."""

    client: WebClient
    service: FeedbackService
    clock: Clock
    paths: Sequence[str]

    def register(self, app: App, services: SlackServices) -> None:
        listen(app, self.client, self.service, self.clock, self.paths)
        services.commands.after_ack(
            "feedback", "feedback", "tell the platform team how it is going", self.command
        )

    def command(self, cmd: Command, user: str, respond: Respond, command: dict[str, Any]) -> None:
        # The trigger_id is good for 3 s from the slash command; this runs right after the ack.
        self.client.views_open(trigger_id=command["trigger_id"], view=feedback_modal(self.paths))


def listen(app: App, client: WebClient, service: FeedbackService, clock: Clock, paths: Sequence[str]) -> None:
    """Listeners for the poll buttons and the modal."""

    @app.action(SCORE_ACTION)
    def score_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = str(body["user"]["id"])
        with user_errors(direct_message(client, user)):
            poll_id, score = parse_score_value(str(action.get("value", "")))
            answered = service.answer(poll_id, user, score, clock.now())
            container = body.get("container") or {}
            poll = answered.poll
            client.chat_update(
                channel=poll.channel or str(container.get("channel_id")),
                ts=poll.message_ts or str(container.get("message_ts")),
                blocks=render_blocks(
                    "feedback_thanks",
                    score=answered.score,
                    question=question(poll.kind, poll.request_id, ""),
                    poll_id=poll.id,
                ),
                text="Thanks for answering",
            )

    @app.action(COMMENT_ACTION)
    def comment_clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        user = str(body["user"]["id"])
        with user_errors(direct_message(client, user)):
            poll = service.poll(int(str(action.get("value") or "0")))
            client.views_open(trigger_id=body["trigger_id"], view=feedback_modal(paths, poll=poll))

    @app.view(FEEDBACK_FORM)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        score_text = _selected(values, "score")
        meta = json.loads(view.get("private_metadata") or "{}")
        try:
            service.comment(
                str(body["user"]["id"]),
                clock.now(),
                score=int(score_text) if score_text is not None else None,
                comment=str((values.get("comment") or {}).get("value", {}).get("value") or ""),
                path=_selected(values, "path"),
                poll_id=meta.get("poll_id"),
            )
        except FeedbackError as exc:
            ack(response_action="errors", errors={"comment": exc.message})
            return
        ack(
            response_action="update",
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "Platform feedback"},
                "close": {"type": "plain_text", "text": "Close"},
                "blocks": render_blocks(
                    "feedback_received", score=int(score_text) if score_text is not None else None
                ),
            },
        )


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    option = ((values.get(block_id) or {}).get("value") or {}).get("selected_option")
    return str(option["value"]) if option else None
