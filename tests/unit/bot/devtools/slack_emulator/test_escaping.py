"""Slash-command text as Slack delivers it: picked mentions with their username, typed names plain."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.devtools.slack_emulator import default_workspace
from bot.devtools.slack_emulator.escaping import command_text
from bot.devtools.slack_emulator.state import EmulatorState


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState(default_workspace(), ManualClock().timestamp)


def test_a_picked_mention_arrives_with_the_members_username(state: EmulatorState) -> None:
    sent = command_text("request service owners=<@U0DEV2>, <@U0REQ|Riley Requester>", state, escape=True)
    assert sent == "request service owners=<@U0DEV2|dana>, <@U0REQ|riley>"


def test_typed_at_names_stay_plain_text(state: EmulatorState) -> None:
    assert command_text("owners=@dana,@you", state, escape=True) == "owners=@dana,@you"


def test_channels_groups_and_links_are_escaped_and_bare_urls_become_links(state: EmulatorState) -> None:
    sent = command_text(
        "in <#C0PLATFORM> ask <!subteam^S0SECURITY|@security> see https://x.example/a?b=1&amp;c=2. "
        "or <https://y.example|y>",
        state,
        escape=True,
    )
    assert sent == (
        "in <#C0PLATFORM|platform> ask <!subteam^S0SECURITY|@security> "
        "see <https://x.example/a?b=1&amp;c=2>. or <https://y.example|y>"
    )


def test_unknown_ids_keep_the_label_the_client_gave(state: EmulatorState) -> None:
    assert (
        command_text("<@U9NOBODY|ghost> <#C9NONE>", state, escape=True)
        == "<@U9NOBODY|ghost> <#C9NONE|C9NONE>"
    )


def test_without_escaping_mentions_are_flattened_to_what_the_person_saw(state: EmulatorState) -> None:
    sent = command_text(
        "owners=<@U0DEV2> in <#C0PLATFORM> <!subteam^S0SECURITY|@security> <!subteam^S1> <!here> "
        "<https://y.example|y> <https://z.example> https://w.example",
        state,
        escape=False,
    )
    assert sent == "owners=@dana in #platform @security @S1 @here y https://z.example https://w.example"
