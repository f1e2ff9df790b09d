"""auth.test, users.* and usergroups.*: who is who in the emulated workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.devtools.slack_emulator.errors import SlackMethodError
from bot.devtools.slack_emulator.methods.params import Handler, Params
from bot.devtools.slack_emulator.render import user_json, usergroup_json
from bot.devtools.slack_emulator.state import EmulatorState


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
    return {"user": {**user_json(state.workspace, user), **time_zone_fields(user.tz)}}


def time_zone_fields(tz: str, now: datetime | None = None) -> dict[str, Any]:
    """Slack's `tz`, `tz_label` (the zone's long name now) and `tz_offset` (seconds east of UTC now)."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone, tz = ZoneInfo("UTC"), "UTC"
    local = (now or datetime.now(UTC)).astimezone(zone)
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    return {"tz": tz, "tz_label": _label(tz, local, seconds), "tz_offset": seconds}


def _label(tz: str, local: datetime, seconds: int) -> str:
    if seconds == 0 and tz in ("UTC", "Etc/UTC"):
        return "Coordinated Universal Time"
    dst = local.dst()
    summer = bool(dst and dst.total_seconds())
    region = tz.split("/")[0]
    if region == "Europe" and seconds in (3600, 7200):
        return "Central European Summer Time" if summer else "Central European Time"
    if region == "America" and seconds in (-28800, -25200) and tz == "America/Los_Angeles":
        return "Pacific Daylight Time" if summer else "Pacific Standard Time"
    return f"{local.tzname()} ({tz})"


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
