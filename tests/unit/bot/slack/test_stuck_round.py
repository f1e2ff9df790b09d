"""A round nobody can complete says so in its status (finding 8 of the sandbox walk): a team whose
only member already counts for another group leaves its approval ungiven for good."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_sdk import WebClient

from bot.config import AppConfig
from bot.devtools.slack_emulator import SlackEmulator
from bot.slack.notifier import SlackNotifier
from bot.workflow import RequestState
from tests.support.request_snapshots import make_request

REQUIRED = {"security": 1, "team:platform": 1}


def _status_text(slack: SlackEmulator, client: WebClient, config: AppConfig, platform: set[str]) -> str:
    members = {"security": {"U0OLIVE"}, "team:platform": platform}
    notifier = SlackNotifier(client, config, members=lambda group: frozenset(members.get(group, ())))
    waiting = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals=REQUIRED)
    waiting = replace(waiting, thread_ts=notifier.request_opened(waiting))
    notifier.approval_requested(waiting, "team:platform", 1)
    thread = slack.thread("C0REQUESTS", waiting.thread_ts or "")
    (status,) = [m for m in thread if "*Approvals*" in m.all_text]
    return status.all_text


def test_a_team_whose_only_member_counts_elsewhere_is_said_to_be_unable_to_complete_it(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    text = _status_text(slack, client, config, {"U0OLIVE"})

    assert "Nobody can complete it" in text
    assert "a person counts for one group only" in text


@pytest.mark.parametrize("platform", [{"U0OLIVE", "U0SAM"}, set()], ids=["two people", "no members"])
def test_a_round_that_can_complete_or_whose_team_is_empty_says_nothing_of_it(
    slack: SlackEmulator, client: WebClient, config: AppConfig, platform: set[str]
) -> None:
    assert "Nobody can complete it" not in _status_text(slack, client, config, platform)
