"""What every golden-path program provides to the runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from intents.intent import Intent
from provisioners.labels import Labels
from provisioners.settings import RunnerSettings

PulumiProgram = Callable[[], None]


def _no_env(_settings: RunnerSettings) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class GoldenPathProgram:
    """A program plus the facts the runner needs about it.

    `build(intent, settings, labels)` is pure: it validates and returns the inline Pulumi program
    without touching anything, raising InvalidParameters or ProgramUnavailable. `labels` is the
    attribution of the request (provisioners.labels): the program passes `labels.as_input()` as
    the `labels` input of every resource it declares; a create without it is denied at the plan
    stage. `resource_types` lists the
    program's types in dependency order (plans are shown in that order); `stateful_types` are
    those whose delete or replace loses data, which the rulebook's approval rules rely on.
    `engine_env` adds environment for the engine and its provider processes (e.g. the admin DSN).
    `secret_outputs` name outputs that are secret whatever the program marks: the runner never
    returns them among the plain outputs (they go to the owning team by DM only).
    `rotates_credentials`: the program issues new generated credentials when the intent's
    `credentials_version` goes up (`/platform rotate`); the bot offers rotation only then.
    """

    name: str
    description: str
    build: Callable[[Intent, RunnerSettings, Labels], PulumiProgram]
    resource_types: tuple[str, ...]
    stateful_types: frozenset[str]
    engine_env: Callable[[RunnerSettings], dict[str, str]] = field(default=_no_env)
    secret_outputs: frozenset[str] = frozenset()
    rotates_credentials: bool = False
