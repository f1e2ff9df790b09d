"""Approver groups from the config, and the owners' groups of a resource (`team:`, `owner:`)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from slack_sdk import WebClient

from bot.config import ApproverGroup
from bot.devtools.slack_emulator import SlackEmulator
from bot.slack.directory import SlackDirectory


def _directory() -> SlackDirectory:
    # Fixed user ids only: no call reaches Slack, so the client may point nowhere.
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")
    groups = {"oncall": ApproverGroup(user_ids=("U_ONCALL",), channel="C1")}
    return SlackDirectory(client, groups, teams={"payments": ("U_RILEY", "U_PAY2")})


def test_a_team_group_is_the_teams_members() -> None:
    assert _directory().members("team:payments") == {"U_RILEY", "U_PAY2"}
    assert _directory().members("team:unknown") == frozenset()


def test_an_owner_group_is_that_person_alone() -> None:
    assert _directory().members("owner:U_SOLO") == {"U_SOLO"}
    assert _directory().members("owner:") == frozenset()


def test_config_groups_still_resolve_and_teams_are_not_approver_groups() -> None:
    directory = _directory()
    assert directory.members("oncall") == {"U_ONCALL"}
    assert directory.groups_of("U_RILEY") == ()


# Who is a person: users.info against the emulator, which answers as Slack does ----------------


def test_the_emulator_answers_users_info_for_an_unknown_user_as_slack_does(slack: SlackEmulator) -> None:
    # Slack's contract: HTTP 200, {"ok": false, "error": "user_not_found"}.
    body = urllib.parse.urlencode({"user": "U0NOPE"}).encode()
    request = urllib.request.Request(
        f"{slack.base_url}users.info",
        data=body,
        headers={"Authorization": f"Bearer {slack.workspace.bot_token}"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": False, "error": "user_not_found"}


def test_unknown_ids_deleted_users_and_bots_are_not_people(slack: SlackEmulator, client: WebClient) -> None:
    directory = SlackDirectory(client, {})
    assert directory.unknown_people(["U0REQ", "U0NOPE", "U0BOT", "U0DEV2", "U0NOPE", "W0GONE"]) == [
        "U0NOPE",
        "U0BOT",
        "W0GONE",
    ]


def test_who_is_a_person_is_asked_once_per_ttl(slack: SlackEmulator, client: WebClient) -> None:
    ticks = [0.0]
    directory = SlackDirectory(client, {}, ttl_seconds=60, monotonic=lambda: ticks[0])
    directory.unknown_people(["U0REQ"])
    directory.unknown_people(["U0REQ"])
    assert len(slack.requests_for("users.info")) == 1
    ticks[0] = 61.0
    directory.unknown_people(["U0REQ"])
    assert len(slack.requests_for("users.info")) == 2
