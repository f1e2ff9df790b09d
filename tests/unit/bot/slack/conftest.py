"""Slack adapter fixtures: the real emulator, a real WebClient pointed at it, request snapshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.config import AppConfig, ApproverGroup, Channels
from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from bot.slack.app import build_web_client
from bot.workflow import Request, RequestState
from intents import Intent
from rulebook import Decision, Stage, Verdict

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(default_workspace()) as emulator:
        yield emulator


@pytest.fixture
def client(slack: SlackEmulator) -> WebClient:
    return build_web_client(slack.workspace.bot_token, slack.base_url)


@pytest.fixture
def config() -> AppConfig:
    return AppConfig(
        channels=Channels(requests="C0REQUESTS", platform="C0PLATFORM"),
        groups={"security": ApproverGroup(usergroup_id="S0SECURITY", channel="C0SECURITY")},
    )


def make_request(**overrides: Any) -> Request:
    intent = Intent(path="service", name="demo", env="dev", params={"team": "payments"})
    decision = Decision(verdict=Verdict.ALLOW, stage=Stage.INTENT, rulebook_version="0123456789abcdef")
    values: dict[str, Any] = {
        "id": "PB-1",
        "number": 1,
        "requester": "U0REQ",
        "requester_team": "payments",
        "requester_groups": (),
        "channel": "C0REQUESTS",
        "thread_ts": None,
        "action": "apply",
        "target_request_id": None,
        "path": intent.path,
        "intent": intent,
        "intent_text": "service name=demo env=dev team=payments",
        "stack_name": "service.demo.dev",
        "state": RequestState.APPLYING,
        "intent_decision": decision,
        "plan": None,
        "plan_hash": "f" * 64,
        "plan_decision": None,
        "rulebook_version": decision.rulebook_version,
        "required_approvals": {},
        "approval_round": 1,
        "approvals_expire_at": None,
        "outputs": None,
        "error": None,
        "created_at": AT,
        "updated_at": AT,
        "planned_at": None,
        "approved_at": None,
        "apply_started_at": AT,
        "finished_at": AT,
        "destroyed_at": None,
    }
    values.update(overrides)
    return Request(**values)
