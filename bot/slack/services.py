"""What the Slack listeners are handed: the workflow, the read-only parts they show, and the
registry of `/platform` commands that the core and each feature fill when they register.

    services.commands.add("status", "status <PB-n>", "where a request stands", _status)
    services.commands.after_ack("stats", "stats [7d|30d|90d]", "the outcome metrics", run)

`/platform` dispatches through the registry at every command and `help` lists it, so a feature
that registers late still answers, and one that is not registered is neither listed nor run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.config import AppConfig
from bot.errors import WorkflowError
from bot.slack.conversations import UserTimeZones
from bot.slack.directory import SlackDirectory
from bot.slack.render import render_text
from bot.workflow import ThreadPool, Workflow
from intents import Catalog, Command
from rulebook import Actor, Rulebook

log = logging.getLogger("bot.slack")

# A command's listener body: it acks itself (with an answer, or empty and answers via `respond`).
Handler = Callable[["SlackServices", Any, str, Ack, Respond, dict[str, Any], WebClient], None]
# A feature's command, run after an empty ack with the parsed command, the user id, `respond` for
# ephemeral answers and the slash command's payload; a WorkflowError's message goes to the user.
AfterAck = Callable[[Command, str, Respond, dict[str, Any]], None]


class Section(IntEnum):
    """Where a command is listed in `help`: the request commands, the features', then reference."""

    REQUESTS = 0
    FEATURES = 1
    REFERENCE = 2


@dataclass(frozen=True)
class RegisteredCommand:
    kind: str
    usage: str
    summary: str
    handler: Handler
    section: Section


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, RegisteredCommand] = {}

    def add(
        self, kind: str, usage: str, summary: str, handler: Handler, *, section: Section = Section.FEATURES
    ) -> None:
        if kind in self._commands:
            raise ValueError(f"/platform {kind} is registered twice")
        self._commands[kind] = RegisteredCommand(kind, usage, summary, handler, section)

    def after_ack(self, kind: str, usage: str, summary: str, run: AfterAck) -> None:
        """A feature's command: acked at once (empty), then `run`, its errors told ephemerally."""

        def handler(
            services: SlackServices,
            cmd: Any,
            user: str,
            ack: Ack,
            respond: Respond,
            command: dict[str, Any],
            client: WebClient,
        ) -> None:
            with acked(ack, respond):
                run(cmd, user, respond, command)

        self.add(kind, usage, summary, handler)

    def get(self, kind: str) -> RegisteredCommand | None:
        return self._commands.get(kind)

    def help_rows(self) -> list[tuple[str, str]]:
        """(usage, summary) per command, by section and then in the order they were registered."""
        ordered = sorted(self._commands.values(), key=lambda c: c.section)
        return [(c.usage, c.summary) for c in ordered]


@dataclass
class SlackServices:
    workflow: Workflow
    catalog: Catalog
    rulebook: Rulebook
    config: AppConfig
    directory: SlackDirectory
    worker: ThreadPool
    # golden path -> why it cannot be used on this installation (e.g. no Postgres admin DSN)
    unavailable: Mapping[str, str] = field(default_factory=dict)
    commands: CommandRegistry = field(default_factory=CommandRegistry)
    # Each reader's Slack time zone, for answers only they see (ephemeral, App Home).
    time_zones: UserTimeZones = field(default_factory=UserTimeZones)
    # golden path -> (version, where it came from), from discovery: what `catalog` shows.
    path_origins: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def actor(self, user_id: str) -> Actor:
        teams = tuple(sorted(team for team, members in self.config.teams.items() if user_id in members))
        return Actor(
            user_id=user_id,
            team=self.config.team_of(user_id),
            teams=teams,
            groups=self.directory.groups_of(user_id),
        )


class Feature(Protocol):
    """A part of the bot with Slack listeners and commands of its own (drift, feedback, stats):
    `create_app` calls `register` once the Bolt app exists."""

    def register(self, app: App, services: SlackServices) -> None: ...


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


@contextmanager
def acked(ack: Ack, respond: Respond) -> Iterator[None]:
    """How a `/platform` command that does slow work answers: ack at once (Slack wants it within
    3 s), then run the body under `user_errors`, a refusal or failure told through the response_url."""
    ack()
    with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
        yield
