"""How a `/platform` command that does slow work answers: ack at once (Slack wants it within 3 s),
then answer through the response_url, where a refusal or failure goes too, as an ephemeral."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import Ack, Respond

from bot.slack.services import user_errors


@contextmanager
def acked(ack: Ack, respond: Respond) -> Iterator[None]:
    """Acks, then runs the body under `user_errors`, telling the user through `respond`."""
    ack()
    with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
        yield
