"""Drift as a feature of the app: its checker and buttons built from the app's parts, and its
Slack listeners and `/platform drift` registered on the Bolt app (`create_app` calls both; the
sweep is handed to the scheduler as the `drift` job)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import Clock
from bot.config import AppConfig
from bot.drift import slack
from bot.drift.actions import DriftActions
from bot.drift.checker import DriftChecker
from bot.drift.ports import DriftRunner
from bot.slack import present
from bot.slack.services import SlackServices
from bot.store import Store
from bot.workflow import Workflow
from intents import Catalog
from rulebook import Actor

if TYPE_CHECKING:
    from bot.temporal.wiring import DriftEngine, Execution


@dataclass(frozen=True)
class Drift:
    checker: DriftChecker
    actions: DriftActions

    @classmethod
    def build(
        cls,
        *,
        store: Store,
        runner: DriftEngine,
        client: WebClient,
        config: AppConfig,
        workflow: Workflow,
        catalog: Catalog,
        clock: Clock,
        actor_of: Callable[[str], Actor],
        execution: Execution | None = None,
    ) -> Drift:
        """`execution`: who runs the sweep's per-stack checks; with `executor: temporal`, the
        task queue's workers (and this process's worker, if it runs one, checks with `runner`)."""
        notifier = slack.SlackDriftNotifier(client, config)
        checks: DriftRunner = runner if execution is None else execution.drift_runner(runner)
        checker = DriftChecker(
            store=store, runner=checks, notifier=notifier, clock=clock, concurrency=config.drift_concurrency
        )
        actions = DriftActions(
            findings=checker.findings,
            workflow=workflow,
            catalog=catalog,
            notifier=notifier,
            clock=clock,
            actor_of=actor_of,
            channel=config.channels.requests,
            admins=config.admins,
            show_time=present.when,
        )
        return cls(checker, actions)

    def register(self, app: App, services: SlackServices) -> None:
        slack.listen(app, self.actions)
        services.commands.after_ack(
            "drift", "drift [PB-n]", "check for drift now", slack.drift_command(self.checker, services.worker)
        )
