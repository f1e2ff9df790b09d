"""`BotResponse`: what the bot answered one delivery, over either transport."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Transport = Literal["http", "socket"]


@dataclass(frozen=True)
class BotResponse:
    """The bot's answer, plus what was sent (to re-deliver it) and what was minted for it.

    Over HTTP that is the status and body of the POST; over Socket Mode the status is 200 once the
    envelope is acknowledged and `text` is the ack's payload as JSON (empty when there is none)."""

    status: int
    headers: dict[str, str]
    text: str
    sent_body: str
    sent_content_type: str
    trigger_id: str | None = None
    response_url: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    transport: Transport = "http"
    # Socket Mode only: slash_commands, interactive or events_api.
    envelope_type: str | None = None

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.text) if self.text.strip() else None
        except json.JSONDecodeError:
            return None


def with_minted(
    sent: BotResponse,
    previous: BotResponse | None = None,
    *,
    trigger_id: str | None = None,
    response_url: str | None = None,
    payload: dict[str, Any] | None = None,
) -> BotResponse:
    """A copy of `sent` carrying what was minted for the delivery (from `previous` for retries)."""
    base = previous or sent
    return dataclasses.replace(
        sent,
        trigger_id=trigger_id or base.trigger_id,
        response_url=response_url or base.response_url,
        payload=payload if payload is not None else base.payload,
    )
