"""Sending polls against the Slack emulator: one DM per poll; a failed send leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot.config import Feedback
from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from bot.feedback import FeedbackService, PlannedPoll, PollPolicy, PollSender
from bot.feedback.slack import parse_score_value, poll_blocks
from bot.slack.app import build_web_client
from bot.store import FeedbackPollRow, Store
from tests.support.metrics_history import T0, request

NOW = T0 + timedelta(days=30)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(default_workspace()) as emulator:
        yield emulator


@pytest.fixture
def service(tmp_path: Path) -> Iterator[FeedbackService]:
    store = Store.from_url(f"sqlite:///{tmp_path / 'pb.sqlite3'}")
    yield FeedbackService(store, PollPolicy.from_config(Feedback()))
    store.dispose()


def sender(slack: SlackEmulator, service: FeedbackService) -> PollSender:
    client: WebClient = build_web_client(slack.workspace.bot_token, slack.base_url)
    return PollSender(client, service, fatigue_days=14)


def add_success(service: FeedbackService, number: int, requester: str) -> None:
    created = NOW - T0 - timedelta(hours=30)
    with service.store.write() as session:
        session.add(
            request(
                number, "payments", "service", created, "succeeded", timedelta(hours=1), requester=requester
            )
        )


def test_due_polls_go_out_as_direct_messages_with_one_button_per_score(
    slack: SlackEmulator, service: FeedbackService
) -> None:
    add_success(service, 1, "U0REQ")

    (poll_id,) = sender(slack, service).send_due(NOW)

    (message,) = slack.dms("U0REQ")
    assert "PB-1" in message.all_text
    assert [message.find_element(f"feedback_score_{n}") is not None for n in range(0, 7)] == [
        False, True, True, True, True, True, False
    ]  # fmt: skip
    poll = service.poll(poll_id)
    assert (poll.channel, poll.message_ts) == (message.channel, message.ts)


def test_a_poll_that_cannot_be_delivered_is_discarded(slack: SlackEmulator, service: FeedbackService) -> None:
    add_success(service, 1, "U_GHOST")  # nobody by that id in the workspace

    assert sender(slack, service).send_due(NOW) == []

    with service.store.read() as session:
        assert session.exec(select(FeedbackPollRow)).all() == []


def test_nps_buttons_run_from_zero_to_ten_and_carry_the_poll_and_score() -> None:
    blocks = poll_blocks(12, PlannedPoll("nps", "U1"), fatigue_days=14)

    (actions,) = [b for b in blocks if b["type"] == "actions"]
    values = [parse_score_value(e["value"]) for e in actions["elements"]]
    assert values == [(12, n) for n in range(11)]
