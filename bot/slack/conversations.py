"""Small Web API helpers every Slack-facing part shares: DMs and permalinks."""

from __future__ import annotations

import logging
from collections.abc import Callable

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
