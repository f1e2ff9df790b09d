"""auth.test, users.*, usergroups.* against the default workspace."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError


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
