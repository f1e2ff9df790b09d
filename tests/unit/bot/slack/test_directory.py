"""Approver groups from the config, and the owners' groups of a resource (`team:`, `owner:`)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.config import ApproverGroup
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
