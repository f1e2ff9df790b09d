"""auth.test, users.* and usergroups.*: who is who in the emulated workspace."""

from __future__ import annotations

from typing import Any

from bot.slack_emulator.errors import SlackMethodError
from bot.slack_emulator.methods.params import Handler, Params
from bot.slack_emulator.render import user_json, usergroup_json
from bot.slack_emulator.state import EmulatorState


def auth_test(state: EmulatorState, p: Params) -> dict[str, Any]:
    ws = state.workspace
    bot = state.users.get(ws.bot_user_id)
    return {
        "url": f"https://{ws.domain}.slack.com/",
        "team": ws.team_name,
        "user": bot.name if bot else "bot",
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "is_enterprise_install": False,
    }


def users_info(state: EmulatorState, p: Params) -> dict[str, Any]:
    user = state.user(p.require("user", "user_not_found"))
    return {"user": user_json(state.workspace, user)}


def lookup_by_email(state: EmulatorState, p: Params) -> dict[str, Any]:
    email = (p.text("email") or "").lower()
    for user in state.users.values():
        if user.email.lower() == email:
            return {"user": user_json(state.workspace, user)}
    # Slack's error here is plural, unlike users.info's.
    raise SlackMethodError("users_not_found")


def usergroups_list(state: EmulatorState, p: Params) -> dict[str, Any]:
    ws = state.workspace
    include_users = p.flag("include_users")
    return {"usergroups": [usergroup_json(ws, g, include_users=include_users) for g in ws.usergroups]}


def usergroup_users(state: EmulatorState, p: Params) -> dict[str, Any]:
    group = state.workspace.usergroup(p.text("usergroup") or "")
    if group is None:
        raise SlackMethodError("no_such_subteam")
    return {"users": list(group.users)}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.lookupByEmail": lookup_by_email,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroup_users,
}
