"""What the web page can see and do, in Slack's own terms.

Reads come from the emulator's memory (what Slack would show one person); every action goes
through the SlackDriver, which signs and sends it to the bot's `/slack/events` over HTTP exactly
as Slack does, so the page exercises the bot's real request path and nothing else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.config import AppConfig
from bot.devtools.sandbox.config import REQUESTER
from bot.devtools.slack_emulator import (
    BotResponse,
    DriverError,
    EmulatorError,
    Ephemeral,
    Message,
    SlackDriver,
    SlackEmulator,
    View,
)
from bot.devtools.slack_emulator.blocks import with_block_ids
from bot.devtools.slack_emulator.models import Event
from bot.devtools.slack_emulator.render import ephemeral_json
from bot.devtools.slack_emulator.workspace import Channel, im_channel_id
from rulebook import Rulebook

# Snippets bigger than this are cut in the snapshot; the full text stays at /api/files/<id>.
MAX_INLINE_FILE = 200_000
MAX_WAIT = 25.0
GROUP_ROLES = {"security": "security approver", "oncall": "on-call engineer"}


class ApiError(Exception):
    """A request the page should not have made (unknown view, bad input); `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class SandboxApi:
    slack: SlackEmulator
    driver: SlackDriver
    config: AppConfig
    clock: Clock
    rulebook: Rulebook

    # -- reading --------------------------------------------------------------------------------

    def snapshot(self, user: str) -> dict[str, Any]:
        """Everything `user` would see in Slack, in the shapes Slack's API uses."""
        self._person(user)
        state = self.slack.state
        # Held across the whole read so the page never sees half of a change.
        with state.lock:
            return {
                "seq": len(state.event_log),
                "me": user,
                "team": {"id": self.slack.workspace.team_id, "name": self.slack.workspace.team_name},
                "bot_user_id": self.slack.workspace.bot_user_id,
                "emulator_url": self.slack.url,
                "clock": self._clock_view(),
                "people": [self._person_view(u.id) for u in state.users.values()],
                "usergroups": [
                    {"id": g.id, "handle": g.handle, "name": g.name} for g in self.slack.workspace.usergroups
                ],
                "channels": [self._channel_view(c) for c in self._visible_channels(user)],
                "ephemerals": [
                    {"channel": e.channel, **ephemeral_json(e)} for e in self.slack.ephemerals(user)
                ],
                "modal": self._modal(user),
                "home": self._home(user),
            }

    def wait(self, since: int, timeout: float) -> tuple[int, bool]:
        """(sequence number, changed): returns as soon as something a person could see changed
        after `since`, else after `timeout` with changed False. The Web API calls the bot makes
        are events too; alone they change nothing on screen, so they do not end the wait (the
        number still moves past them, so the next wait does not look at them again)."""
        deadline = time.monotonic() + min(max(timeout, 0.0), MAX_WAIT)
        seq = since
        while True:
            remaining = deadline - time.monotonic()
            events: list[Event] = self.slack.wait_for_events(seq, max(remaining, 0.0))
            if any(e.kind != "request" for e in events):
                return events[-1].seq, True
            if events:
                seq = events[-1].seq
            if remaining <= 0:
                return seq, False

    def file_text(self, file_id: str) -> str:
        with self.slack.state.lock:
            file = self.slack.state.file_store.get(file_id)
            if file is None or file.content is None:
                raise ApiError(f"no file {file_id}", status=404)
            return file.text

    # -- acting ---------------------------------------------------------------------------------

    def command(self, user: str, channel: str, text: str) -> dict[str, Any]:
        """A slash command typed in the composer, e.g. `/platform request ...`, as a Slack client
        sends it: `&`, `<`, `>` as entities, a person picked from @-autocomplete as `<@U123|name>`
        (the driver then does what Slack's servers do with it; see bot.devtools.slack_emulator.escaping)."""
        self._person(user)
        command, _, rest = text.strip().partition(" ")
        if command != self.driver.command:
            raise ApiError(f"{command} is not a command in this workspace; try {self.driver.command} help")
        channel_id = self._channel(channel, user).id
        sent = self._deliver(lambda: self.driver.slash_command(rest.strip(), user=user, channel=channel_id))
        self._show_command_reply(sent, user, channel_id)
        return {"ok": True}

    def post_message(self, user: str, channel: str, text: str, thread_ts: str | None) -> dict[str, Any]:
        """A person talking in a channel or thread; the bot does not subscribe to messages."""
        self._person(user)
        target = self._channel(channel, user)
        if target.is_im:
            raise ApiError("Sending messages to this app has been turned off; use /platform commands.")
        if not text.strip():
            raise ApiError("empty message")
        self.slack.post_as(user, target.id, text, thread_ts=thread_ts or None)
        return {"ok": True}

    def click(self, user: str, target: dict[str, Any], action_id: str, value: Any = None) -> dict[str, Any]:
        """A button press or a select change on a message, an ephemeral, a modal or the Home tab."""
        self._person(user)
        found = self._target(user, target)
        self._deliver(lambda: self.driver.click(found, action_id, user, value=value))
        return {"ok": True}

    def submit_view(self, user: str, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        view = self._own_view(user, view_id)
        sent = self._deliver(lambda: self.driver.submit_view(view, values, user))
        answer = sent.json if isinstance(sent.json, dict) else {}
        return {
            "ok": True,
            "errors": answer.get("errors") if answer.get("response_action") == "errors" else None,
        }

    def close_view(self, user: str, view_id: str) -> dict[str, Any]:
        view = self._own_view(user, view_id)
        self._deliver(lambda: self.driver.close_view(view, user))
        return {"ok": True}

    def open_home(self, user: str) -> dict[str, Any]:
        self._person(user)
        self._deliver(lambda: self.driver.app_home_opened(user))
        return {"ok": True}

    # -- helpers --------------------------------------------------------------------------------

    def _deliver(self, send: Callable[[], BotResponse | None]) -> BotResponse:
        """Send to the bot; an answer Slack would call a failure becomes an error for the page."""
        try:
            sent = send()
        except DriverError as exc:
            raise ApiError(str(exc)) from exc
        except OSError as exc:  # connection refused or timed out: Slack says the same, vaguely
            raise ApiError(
                f"the bot did not answer ({type(exc).__name__}); see the sandbox log", 502
            ) from exc
        if sent is None:  # a view closed without notify_on_close: Slack sends nothing
            return BotResponse(200, {}, "", "", "")
        if sent.status != 200:
            raise ApiError(f'the bot answered HTTP {sent.status} (Slack would say "dispatch_failed")', 502)
        return sent

    def _show_command_reply(self, sent: BotResponse, user: str, channel: str) -> None:
        """Slack shows a slash command's HTTP answer: as an ephemeral to the person who typed it,
        or in the channel with `response_type: in_channel`. An empty answer shows nothing. Over
        Socket Mode the driver has shown the ack's answer already, as Slack does."""
        if sent.transport == "socket":
            return
        body = sent.json
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            if sent.text.strip() and body is None:
                body = {"text": sent.text}
            else:
                return
        state = self.slack.state
        blocks = with_block_ids(body["blocks"]) if isinstance(body.get("blocks"), list) else []
        text = str(body.get("text") or "")
        if body.get("response_type") == "in_channel":
            ws = self.slack.workspace
            state.add_message(
                Message(channel, state.next_ts(), text, ws.bot_user_id, blocks=blocks, bot_id=ws.bot_id)
            )
        else:
            state.add_ephemeral(Ephemeral(channel, user, state.next_ts(), text, blocks))

    def _person(self, user: str) -> None:
        person = self.slack.workspace.user(user)
        if person is None or person.is_bot:
            raise ApiError(f"no person {user!r} in the workspace")

    def _channel(self, ref: str, user: str) -> Channel:
        """A channel by id or name; the person's own DM with the app opens on first use, as the
        page lists it before the bot has written there. Other people's DMs stay out of reach."""
        state = self.slack.state
        if ref == im_channel_id(user):
            return state.open_im(user)
        # A user id names that person's DM to Slack's API, and resolving it would open one.
        channel = None if ref.startswith(("U", "W")) else state.channels.get(ref)
        if channel is None and ref.startswith("#"):
            channel = next((c for c in state.channels.values() if c.name == ref[1:] and not c.is_im), None)
        hidden = (
            channel is not None and (channel.is_mpim or channel.is_private) and user not in channel.members
        )
        if channel is None or channel.is_im or hidden:
            raise ApiError(f"no channel {ref!r}")
        return channel

    def _own_view(self, user: str, view_id: str) -> View:
        self._person(user)
        try:
            view = self.slack.view(view_id)
        except EmulatorError as exc:
            raise ApiError(f"no view {view_id!r}", status=404) from exc
        if view.user != user:
            raise ApiError(f"view {view_id} belongs to someone else", status=403)
        return view

    def _target(self, user: str, target: dict[str, Any]) -> Message | Ephemeral | View:
        kind = target.get("kind")
        if kind == "view":
            return self._own_view(user, str(target.get("view_id")))
        channel, ts = str(target.get("channel")), str(target.get("ts"))
        if kind == "message":
            message = self.slack.state.find(self._channel(channel, user).id, ts)
            if message is None:
                raise ApiError("that message is gone", status=404)
            return message
        if kind == "ephemeral":
            for ephemeral in self.slack.ephemerals(user):
                if ephemeral.channel == channel and ephemeral.ts == ts:
                    return ephemeral
            raise ApiError("that ephemeral message is gone", status=404)
        raise ApiError(f"unknown target kind {kind!r}")

    def _visible_channels(self, user: str) -> list[Channel]:
        """Public channels, and the DMs this person is part of (the bot's DM even before it opens)."""
        state = self.slack.state
        shown = [c for c in state.channels.values() if not (c.is_im or c.is_mpim or c.is_private)]
        shown += [c for c in state.channels.values() if (c.is_im and c.user == user)]
        shown += [c for c in state.channels.values() if (c.is_mpim or c.is_private) and user in c.members]
        dm = im_channel_id(user)
        if dm not in state.channels:
            shown.append(
                Channel(dm, user, is_im=True, user=user, members=(state.workspace.bot_user_id, user))
            )
        return shown

    def _channel_view(self, channel: Channel) -> dict[str, Any]:
        state = self.slack.state
        messages = state.channel_messages.get(channel.id, [])
        threads: dict[str, list[dict[str, Any]]] = {}
        for message in messages:
            if message.is_reply and message.thread_ts:
                threads.setdefault(message.thread_ts, []).append(self._message(message))
        return {
            "id": channel.id,
            "name": "platformbot" if channel.is_im else channel.name,
            "kind": "im" if channel.is_im else "channel",
            "topic": channel.topic,
            "members": list(channel.members),
            "messages": [self._message(m) for m in messages if not m.is_reply or m.reply_broadcast],
            "threads": threads,
        }

    def _message(self, message: Message) -> dict[str, Any]:
        data = self.slack.state.message_json(message)
        for file in data.get("files") or []:
            text = self.file_text(file["id"]) if self._has_content(file["id"]) else ""
            file["preview"] = text[:MAX_INLINE_FILE]
            file["preview_truncated"] = len(text) > MAX_INLINE_FILE
            file["url"] = f"/api/files/{file['id']}"
        return data

    def _has_content(self, file_id: str) -> bool:
        file = self.slack.state.file_store.get(file_id)
        return file is not None and file.content is not None

    def _modal(self, user: str) -> dict[str, Any] | None:
        stack = self.slack.views_for(user)
        if not stack:
            return None
        top = stack[-1]
        return {**self.slack.state.view_json(top), "errors": top.errors or {}, "depth": len(stack)}

    def _home(self, user: str) -> dict[str, Any] | None:
        home = self.slack.home(user)
        return None if home is None else self.slack.state.view_json(home)

    def _person_view(self, user_id: str) -> dict[str, Any]:
        person = self.slack.state.users[user_id]
        return {
            "id": person.id,
            "name": person.name,
            "real_name": person.real_name,
            "is_bot": person.is_bot,
            "team": self.config.team_of(person.id),
            "roles": [] if person.is_bot else self._roles(person.id),
        }

    def _roles(self, user_id: str) -> list[str]:
        roles = ["requester"] if user_id == REQUESTER else []
        for name, group in sorted(self.config.groups.items()):
            members = group.user_ids
            if group.usergroup_id:
                found = self.slack.workspace.usergroup(group.usergroup_id)
                members = found.users if found else ()
            if user_id in members:
                roles.append(GROUP_ROLES.get(name, f"{name} approver"))
        if user_id in self.config.admins:
            roles.append("platform admin")
        return roles or ["developer"]

    def _clock_view(self) -> dict[str, Any]:
        """The bot's time in the rulebook's zone, and whether the rulebook counts it as business
        hours: outside them, production requests also wait for on-call (the page says why)."""
        now: datetime = self.clock.now().astimezone(self.rulebook.zone)
        variables = self.rulebook.variables
        days, hours = variables.get("business_days"), variables.get("business_hours")
        business: bool | None = None
        if isinstance(days, list) and isinstance(hours, dict) and {"start", "end"} <= hours.keys():
            business = now.isoweekday() in days and int(hours["start"]) <= now.hour < int(hours["end"])
        return {
            "iso": now.isoformat(),
            "label": now.strftime("%a %d %b %H:%M ") + self.rulebook.timezone,
            "business_hours": business,
            "business_hours_label": _hours_label(days, hours),
            # The rules that read the hours say what changes after them, in the rulebook's words.
            "after_hours_rules": [
                r.description for r in self.rulebook.rules if "business_hours" in r.condition
            ],
        }


def _hours_label(days: Any, hours: Any) -> str | None:
    if not (isinstance(days, list) and isinstance(hours, dict)):
        return None
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    valid = [d for d in days if isinstance(d, int) and 1 <= d <= 7]
    if not valid:
        return None
    contiguous = len(valid) > 1 and valid == list(range(valid[0], valid[0] + len(valid)))
    shown = [names[d - 1] for d in valid]
    span = f"{shown[0]}–{shown[-1]}" if contiguous else ", ".join(shown)
    return f"{span} {hours.get('start')}–{hours.get('end')}h"


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise ApiError("the body must be a JSON object")
    return body
