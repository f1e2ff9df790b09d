"""auth.test, users.*, usergroups.* against the default workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.slack_emulator.methods.directory import time_zone_fields


def test_auth_test_names_the_bot_and_team(client: WebClient) -> None:
    reply = client.auth_test()
    assert (reply["user_id"], reply["bot_id"], reply["team_id"]) == ("U0BOT", "B0BOT", "T0PLATFORM")


def test_users_info_has_names_email_and_team(client: WebClient) -> None:
    user = client.users_info(user="U0REQ")["user"]
    assert user["real_name"] == "Riley Requester"
    assert user["profile"]["email"] == "riley@example.com"
    assert user["profile"]["title"] == "payments"


def test_users_info_of_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.users_info(user="U0GHOST")
    assert failure.value.response["error"] == "user_not_found"


def test_lookup_by_email_ignores_case_and_answers_users_not_found(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="SAM@example.com")["user"]["id"] == "U0SEC1"
    with pytest.raises(SlackApiError) as failure:
        client.users_lookupByEmail(email="nobody@example.com")
    assert failure.value.response["error"] == "users_not_found"


def test_usergroups_list_includes_members_only_when_asked(client: WebClient) -> None:
    groups = {g["handle"]: g for g in client.usergroups_list(include_users=True)["usergroups"]}
    assert groups["security"]["users"] == ["U0SEC1", "U0SEC2"]
    assert groups["oncall"]["id"] == "S0ONCALL"
    assert "users" not in client.usergroups_list()["usergroups"][0]


def test_usergroup_members_and_unknown_groups(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0ONCALL")["users"] == ["U0ONCALL"]
    with pytest.raises(SlackApiError) as failure:
        client.usergroups_users_list(usergroup="S0NOPE")
    assert failure.value.response["error"] == "no_such_subteam"


def test_users_info_has_the_time_zone_in_slacks_shape(client: WebClient) -> None:
    user = client.users_info(user="U0REQ")["user"]
    assert (user["tz"], user["tz_label"], user["tz_offset"]) == ("UTC", "Coordinated Universal Time", 0)


def test_time_zone_fields_follow_daylight_saving() -> None:
    winter = time_zone_fields("Europe/Berlin", datetime(2026, 1, 5, 12, tzinfo=UTC))
    summer = time_zone_fields("Europe/Berlin", datetime(2026, 7, 6, 12, tzinfo=UTC))
    pacific = time_zone_fields("America/Los_Angeles", datetime(2026, 1, 5, 12, tzinfo=UTC))

    assert winter == {"tz": "Europe/Berlin", "tz_label": "Central European Time", "tz_offset": 3600}
    assert summer["tz_label"] == "Central European Summer Time" and summer["tz_offset"] == 7200
    assert pacific["tz_label"] == "Pacific Standard Time" and pacific["tz_offset"] == -28800
    assert time_zone_fields("Mars/Olympus")["tz"] == "UTC"
