"""The typed `/platform` commands: one model per sub-command, joined in the `Command` union."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from intents.intent import Intent

ListScope = Literal["mine", "pending", "all"]
StatsDays = Literal[7, 30, 90]
CostDays = Literal[30, 90]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)


class RequestCommand(_Command):
    """`request <path> [name] key=value ...`"""

    kind: Literal["request"] = "request"
    intent: Intent


class HelpCommand(_Command):
    """`help [topic]`; an empty command is help too. topic: a command word or a canonical path name."""

    kind: Literal["help"] = "help"
    topic: str | None = None


class CatalogCommand(_Command):
    """`catalog [path]`; path is canonical (aliases resolved)."""

    kind: Literal["catalog"] = "catalog"
    path: str | None = None


class StatusCommand(_Command):
    kind: Literal["status"] = "status"
    request_id: str


class ListCommand(_Command):
    kind: Literal["list"] = "list"
    scope: ListScope = "mine"


class CancelCommand(_Command):
    kind: Literal["cancel"] = "cancel"
    request_id: str


class DestroyCommand(_Command):
    kind: Literal["destroy"] = "destroy"
    request_id: str


class ApproveCommand(_Command):
    """`approve <id>`: approve the request's current plan, as the Approve button does."""

    kind: Literal["approve"] = "approve"
    request_id: str


class RejectCommand(_Command):
    """`reject <id> <reason ...>`: the reason is required, the requester sees it."""

    kind: Literal["reject"] = "reject"
    request_id: str
    reason: str


class TransferCommand(_Command):
    """`transfer <id> team=<team>`: hand what the request built to another team (admins only)."""

    kind: Literal["transfer"] = "transfer"
    request_id: str
    team: str


class UpdateCommand(_Command):
    """`update <id> key=value ...`: change parameters of what the request built.

    `changes` are (lower-case key, value as typed) in the order given; they are checked against
    the live intent (intents.updates.updated_intent), which only the bot knows.
    """

    kind: Literal["update"] = "update"
    request_id: str
    changes: tuple[tuple[str, str], ...]


class RotateCommand(_Command):
    """`rotate <id>`: new generated credentials for what the request built; the old stop working."""

    kind: Literal["rotate"] = "rotate"
    request_id: str


class FeedbackCommand(_Command):
    kind: Literal["feedback"] = "feedback"


class StatsCommand(_Command):
    kind: Literal["stats"] = "stats"
    days: StatsDays = 30


class CostsCommand(_Command):
    """`costs [team|path] [30d|90d]`: what live resources cost a month against the budget (all,
    one team or one golden path), and the weekly trend over the last `days`."""

    kind: Literal["costs"] = "costs"
    team: str | None = None
    path: str | None = None
    days: CostDays = 30


class DriftCommand(_Command):
    kind: Literal["drift"] = "drift"
    request_id: str | None = None


class RulebookCommand(_Command):
    kind: Literal["rulebook"] = "rulebook"
    rule_id: str | None = None


Command = Annotated[
    RequestCommand
    | HelpCommand
    | CatalogCommand
    | StatusCommand
    | ListCommand
    | CancelCommand
    | DestroyCommand
    | ApproveCommand
    | RejectCommand
    | TransferCommand
    | UpdateCommand
    | RotateCommand
    | FeedbackCommand
    | StatsCommand
    | CostsCommand
    | DriftCommand
    | RulebookCommand,
    Field(discriminator="kind"),
]

# Command words, in the order help lists them.
COMMAND_WORDS: tuple[str, ...] = (
    "request",
    "help",
    "catalog",
    "status",
    "list",
    "cancel",
    "destroy",
    "approve",
    "reject",
    "transfer",
    "update",
    "rotate",
    "feedback",
    "stats",
    "costs",
    "drift",
    "rulebook",
)
