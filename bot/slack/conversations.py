"""Small Web API helpers every Slack-facing part shares: DMs, permalinks, users' time zones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


def dm_channel(client: WebClient, user: str) -> str:
    """The id of the bot's DM with `user` (conversations.open is idempotent)."""
    return str(client.conversations_open(users=user)["channel"]["id"])


def direct_message(client: WebClient, user: str) -> Callable[[str], None]:
    """A `tell` for places without a response_url (modal submissions): a DM to `user`."""

    def send(message: str) -> None:
        client.chat_postMessage(channel=dm_channel(client, user), text=message)

    return send


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """A link to a message, or None: a missing link is cosmetic and must not stop a notice."""
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.warning("chat.getPermalink failed: %s", exc.response.get("error"))
        return None


class UserTimeZones:
    """Each user's Slack time zone (users.info `tz`, else `tz_offset`), asked once per user."""

    def __init__(self) -> None:
        self._zones: dict[str, tzinfo] = {}
        self._lock = threading.Lock()

    def zone(self, client: WebClient, user: str) -> tzinfo:
        with self._lock:
            known = self._zones.get(user)
        if known is not None:
            return known
        try:
            info = client.users_info(user=user)["user"]
        except SlackApiError as exc:
            # Not cached: the next answer asks again. UTC meanwhile, labelled as such.
            log.warning("users.info failed: %s", exc.response.get("error"))
            return UTC
        zone = zone_of(str(info.get("tz") or ""), info.get("tz_offset"))
        with self._lock:
            self._zones[user] = zone
        return zone


def zone_of(name: str, offset: object) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    if isinstance(offset, int):
        return timezone(timedelta(seconds=offset))
    return UTC
