"""The default workspace other tests and the sandbox rely on."""

from __future__ import annotations

from bot.devtools.slack_emulator import default_workspace
from bot.devtools.slack_emulator.workspace import im_channel_id


def test_default_workspace_has_the_people_channels_and_groups_tests_name() -> None:
    ws = default_workspace()
    assert ws.team_id == "T0PLATFORM"
    assert ws.bot_user_id == "U0BOT"
    assert {u.id for u in ws.users} == {"U0BOT", "U0REQ", "U0SEC1", "U0SEC2", "U0ONCALL", "U0DEV2", "U0FIN"}
    requester = ws.user("U0REQ")
    assert requester is not None and (requester.real_name, requester.team) == ("Riley Requester", "payments")
    assert {c.id: c.name for c in ws.channels} == {
        "C0REQUESTS": "platform-requests",
        "C0SECURITY": "security-approvals",
        "C0PLATFORM": "platform",
    }
    security = ws.usergroup("S0SECURITY")
    assert security is not None and (security.handle, security.users) == ("security", ("U0SEC1", "U0SEC2"))
    oncall = ws.usergroup("S0ONCALL")
    assert oncall is not None and (oncall.handle, oncall.users) == ("oncall", ("U0ONCALL",))
    finance = ws.usergroup("S0FINANCE")
    assert finance is not None and (finance.handle, finance.users) == ("finance", ("U0FIN",))


def test_the_bot_token_looks_like_a_bot_token_and_is_the_only_one() -> None:
    ws = default_workspace()
    assert ws.bot_token.startswith("xoxb-")
    assert ws.tokens == (ws.bot_token,)


def test_dm_ids_are_derived_from_user_ids() -> None:
    assert im_channel_id("U0REQ") == "D0REQ"
