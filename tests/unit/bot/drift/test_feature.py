"""Drift registers itself: its buttons and `/platform drift` appear once the feature registers,
and `help` lists the core commands and every feature's in the order users have always seen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.config import AppConfig, Channels
from bot.drift.actions import DriftActions
from bot.drift.checker import DriftChecker
from bot.drift.feature import Drift
from bot.feedback import FeedbackService, PollPolicy
from bot.feedback.slack import Feedback
from bot.metrics.slack import StatsPoster
from bot.slack import commands
from bot.slack.directory import SlackDirectory
from bot.slack.services import SlackServices
from bot.store import Store
from bot.workflow import ThreadPool, Workflow
from intents import Catalog
from rulebook import Rulebook
from tests.support.drift import RecordingDriftNotifier

# What `/platform help` listed when it was a table in bot/slack/commands.py.
HELP_AS_IT_WAS = [
    ("request <path> [name] key=value …", "ask for a golden path; the bot answers in a thread"),
    ("catalog [path]", "the golden paths and their parameters"),
    ("status <PB-n>", "where a request stands"),
    (
        "list [mine|pending|all]",
        "what you own that is live and your requests, approvals waiting for you, or everything open",
    ),
    ("cancel <PB-n>", "cancel a request before it is applied"),
    ("destroy <PB-n>", "remove what a request built (same rules and approvals)"),
    ("approve <PB-n>", "approve a request's current plan (as its Approve button does)"),
    ("reject <PB-n> <reason>", "reject a request; the requester sees the reason"),
    ("transfer <PB-n> team=<team>", "hand what a request built to another team (platform admins)"),
    ("update <PB-n> key=value …", "change parameters of what a request built (same rules and approvals)"),
    ("rotate <PB-n>", "new credentials for what a request built, by DM; the old ones stop working"),
    ("drift [PB-n]", "check for drift now"),
    ("feedback", "tell the platform team how it is going"),
    ("stats [7d|30d|90d]", "the platform's outcome metrics"),
    ("rulebook [rule-id]", "the rules every request is checked against"),
    ("help", "this message"),
]


@pytest.fixture
def pool() -> Iterator[ThreadPool]:
    pool = ThreadPool()
    yield pool
    pool.shutdown()


@pytest.fixture
def parts(
    workflow: Workflow, catalog: Catalog, rulebook: Rulebook, pool: ThreadPool
) -> tuple[App, SlackServices, WebClient]:
    # Nothing here calls Slack: registering only records listeners.
    client = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/")
    config = AppConfig(channels=Channels(requests="C0REQUESTS"))
    services = SlackServices(
        workflow=workflow,
        catalog=catalog,
        rulebook=rulebook,
        config=config,
        directory=SlackDirectory(client, config.groups),
        worker=pool,
    )
    app = App(client=client, signing_secret="secret", token_verification_enabled=False)
    commands.register(app, services)
    return app, services, client


def drift_feature(
    checker: DriftChecker, workflow: Workflow, catalog: Catalog, clock: ManualClock, services: SlackServices
) -> Drift:
    actions = DriftActions(
        findings=checker.findings,
        workflow=workflow,
        catalog=catalog,
        notifier=RecordingDriftNotifier(),
        clock=clock,
        actor_of=services.actor,
        channel="C0REQUESTS",
    )
    return Drift(checker, actions)


def test_help_lists_the_core_commands_then_drift_feedback_and_stats_as_it_always_did(
    parts: tuple[App, SlackServices, WebClient],
    store: Store,
    checker: DriftChecker,
    workflow: Workflow,
    catalog: Catalog,
    clock: ManualClock,
) -> None:
    app, services, client = parts
    service = FeedbackService(store, PollPolicy.from_config(services.config.feedback))
    drift_feature(checker, workflow, catalog, clock, services).register(app, services)
    Feedback(client, service, clock, catalog.names).register(app, services)
    StatsPoster(client, store, clock.now).register(app, services)

    assert services.commands.help_rows() == HELP_AS_IT_WAS


def test_without_drift_registered_neither_help_nor_the_command_knows_it(
    parts: tuple[App, SlackServices, WebClient],
) -> None:
    _, services, _ = parts

    assert services.commands.get("drift") is None
    assert "drift [PB-n]" not in [usage for usage, _ in services.commands.help_rows()]


def test_drift_registers_its_command_and_its_three_buttons(
    parts: tuple[App, SlackServices, WebClient],
    checker: DriftChecker,
    workflow: Workflow,
    catalog: Catalog,
    clock: ManualClock,
) -> None:
    app, services, _ = parts
    before = len(app._listeners)

    drift_feature(checker, workflow, catalog, clock, services).register(app, services)

    assert services.commands.get("drift") is not None
    assert len(app._listeners) == before + 3
