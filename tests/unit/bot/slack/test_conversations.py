"""Each reader's time zone comes from Slack once and is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta, timezone

from slack_sdk import WebClient

from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from bot.slack.app import build_web_client
from bot.slack.conversations import UserTimeZones, zone_of


def test_a_users_time_zone_is_asked_of_slack_once() -> None:
    base = default_workspace()
    users = tuple(replace(u, tz="Europe/Berlin") if u.id == "U0REQ" else u for u in base.users)
    with SlackEmulator(replace(base, users=users)) as slack:
        client = build_web_client(slack.workspace.bot_token, slack.base_url)
        zones = UserTimeZones()

        first = zones.zone(client, "U0REQ")
        again = zones.zone(client, "U0REQ")

        assert str(first) == "Europe/Berlin" and again is first
        assert len(slack.requests_for("users.info")) == 1


def test_an_unknown_user_reads_utc_and_is_asked_again_next_time(
    client: WebClient, slack: SlackEmulator
) -> None:
    zones = UserTimeZones()

    assert zones.zone(client, "U0GHOST") is UTC
    zones.zone(client, "U0GHOST")
    assert len(slack.requests_for("users.info")) == 2


def test_a_zone_slack_names_but_python_does_not_know_falls_back_to_the_offset() -> None:
    assert zone_of("Mars/Olympus", 5400) == timezone(timedelta(seconds=5400))
    assert zone_of("", None) is UTC
