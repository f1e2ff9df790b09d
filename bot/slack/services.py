"""What the Slack listeners are handed: the workflow and the read-only parts they show."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.config import AppConfig
from bot.errors import WorkflowError
from bot.slack.conversations import UserTimeZones
from bot.slack.directory import SlackDirectory
from bot.slack.render import render_text
from bot.workflow import BackgroundWorker, Workflow
from intents import Catalog, Command
from rulebook import Actor, Rulebook

log = logging.getLogger("bot.slack")

# A command the schedules part adds (feedback, stats, drift): called after the ack with the parsed
# command, the user id and a `respond` function for ephemeral answers.
ExtraCommand = Callable[[Command, str, Callable[..., Any], Any], None]


@dataclass
class SlackServices:
    workflow: Workflow
    catalog: Catalog
    rulebook: Rulebook
    config: AppConfig
    directory: SlackDirectory
    worker: BackgroundWorker
    # golden path -> why it cannot be used on this installation (e.g. no Postgres admin DSN)
    unavailable: Mapping[str, str] = field(default_factory=dict)
    extra_commands: dict[str, ExtraCommand] = field(default_factory=dict)
    extra_actions: dict[str, Callable[..., None]] = field(default_factory=dict)
    # Each reader's Slack time zone, for answers only they see (ephemeral, App Home).
    time_zones: UserTimeZones = field(default_factory=UserTimeZones)

    def actor(self, user_id: str) -> Actor:
        teams = tuple(sorted(team for team, members in self.config.teams.items() if user_id in members))
        return Actor(
            user_id=user_id,
            team=self.config.team_of(user_id),
            teams=teams,
            groups=self.directory.groups_of(user_id),
        )


@contextmanager
def user_errors(tell: Callable[[str], Any]) -> Iterator[None]:
    """Runs a listener body: a WorkflowError's user-safe message goes to `tell`; anything else is
    logged with a reference the user can quote, and never shown (no stack trace in Slack)."""
    try:
        yield
    except WorkflowError as exc:
        tell(exc.message)
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("listener failed (ref %s)", ref)
        tell(render_text("replies/generic_error", ref=ref))
