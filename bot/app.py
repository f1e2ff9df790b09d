"""The application factory: the one place that builds engine, workflow, Slack app and scheduler.

Nothing happens at import time (convention 5). `create_app(settings, config)` wires the parts;
`PlatformBot.start()` runs start-up recovery and the scheduler; `serve_http()` serves Bolt.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from slack_bolt import App
from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.config import (
    AppConfig,
    ConfigError,
    Settings,
    load_app_config,
    path_settings,
    read_or_create_secret,
)
from bot.cost import BookPricing
from bot.cost.errors import PriceBookError
from bot.cost.loader import load_prices
from bot.cost.slack import CostsFeature
from bot.drift.checker import DriftChecker
from bot.drift.feature import Drift
from bot.http_server import HttpServer, wsgi_app_for
from bot.metrics.expiry import register_expiry_metrics
from bot.metrics.expiry import stats_figure as expiry_stats_figure
from bot.metrics.wiring import Outcomes, build_outcomes, instrument_notifier
from bot.schedules import Schedules
from bot.schedules.wiring import install_schedules, job_every
from bot.slack.app import build_bolt_app, build_web_client, secret_safe_logger
from bot.slack.directory import SlackDirectory
from bot.slack.expiry_feature import Expiry, announcing
from bot.slack.expiry_posts import SlackExpiryPosts
from bot.slack.notifier import SlackNotifier
from bot.slack.services import SlackServices
from bot.store import Store, default_database_url
from bot.store.messages import MessageRefs
from bot.temporal.wiring import Execution, build_execution
from bot.workflow import ThreadPool, Workflow, WorkflowPolicy
from bot.workflow.costing import Costing
from bot.workflow.locks import LeaseTimes
from intents import Catalog, CatalogError, load_catalog
from provisioners import Runner, RunnerSettings
from provisioners.discovery import discover
from provisioners.errors import GoldenPathError
from provisioners.programs.base import GoldenPathProgram
from rulebook import Rulebook, RulebookLoadError, load_rulebook

log = logging.getLogger("bot")


@dataclass
class PlatformBot:
    settings: Settings
    config: AppConfig
    store: Store
    catalog: Catalog
    rulebook: Rulebook
    runner: Runner
    client: WebClient
    directory: SlackDirectory
    notifier: SlackNotifier
    # The threads plans, applies and drift checks run on (the workflow through a ThreadExecutor).
    worker: ThreadPool
    workflow: Workflow
    services: SlackServices
    bolt: App
    registry: CollectorRegistry
    clock: Clock
    # Feedback polls, /platform stats|feedback, the digest (bot/feedback, bot/metrics).
    outcomes: Outcomes | None = None
    # Scheduled work (bot/schedules): the scheduler, drift check-ins, reminders, expiry.
    schedules: Schedules | None = None
    drift: DriftChecker | None = None
    # Who runs the workflow's steps (`executor:` in the config): threads here, or Temporal.
    execution: Execution | None = None
    _servers: list[HttpServer] = field(default_factory=list)

    def start(self) -> None:
        """Start-up recovery first: an apply a dead process left `applying` is resumed (or handed to
        the executor) before anything new can take its stack."""
        recovered = self.workflow.recover_after_restart()
        if recovered:
            log.warning("recovered %d request(s) interrupted by a restart", len(recovered))
        if self.schedules is not None:
            self.schedules.start()

    def serve_http(self, port: int = 3000, host: str = "127.0.0.1") -> HttpServer:
        server = HttpServer(wsgi_app_for(self), host=host, port=port, settings=self.config.server)
        self._servers.append(server)
        return server

    def close(self) -> None:
        for server in self._servers:
            server.stop()
        if self.schedules is not None:
            self.schedules.shutdown()
        self.worker.shutdown(wait=True)
        if self.execution is not None:
            self.execution.close()
        self.store.dispose()


# What create_app raises for a start that cannot go ahead and says why in a located message, not
# a bug: the config, and a golden path that cannot load (its import, catalog entry, rule fragment
# or price file). `serve`, `worker` and `dev` print these and exit 2, with no traceback.
START_REFUSALS: tuple[type[Exception], ...] = (
    ConfigError,
    GoldenPathError,
    CatalogError,
    RulebookLoadError,
    PriceBookError,
)


def create_app(
    settings: Settings, config: AppConfig | None = None, *, clock: Clock | None = None
) -> PlatformBot:
    if config is None:
        if settings.platformbot_config is None:
            raise ConfigError(
                "PLATFORMBOT_CONFIG is not set: point it at a config file (manifests/config.example.yaml)"
            )
        config = load_app_config(settings.platformbot_config)
    token = _required(settings.slack_bot_token, "SLACK_BOT_TOKEN")
    signing_secret = _required(settings.slack_signing_secret, "SLACK_SIGNING_SECRET")
    clock = clock or SystemClock()
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)

    # Golden paths: the shipped ones, installed packages and config folders (issue 15); a path
    # that cannot load stops the bot here naming package, file, line and reason.
    golden_paths = discover(config.golden_path_dirs)
    catalog = golden_paths.catalog(load_catalog(config.catalog_path))
    rulebook = load_rulebook(
        config.rulebook_path, known_groups=set(config.groups), fragments=golden_paths.rule_fragments()
    )
    # A broken price book stops the bot here, with file and line, like the catalog (issue 14).
    prices = load_prices(config.prices_path, catalog, golden_paths.price_files())
    runner_settings = runner_settings_for(settings, config)
    runner = Runner(
        runner_settings,
        programs=golden_paths.programs(),
        program_for_path={p.name: p.program for p in catalog.paths},
    )
    store = Store.from_url(settings.database_url or default_database_url(data_dir))

    client = build_web_client(token, settings.slack_api_url)
    directory = SlackDirectory(
        client, config.groups, ttl_seconds=config.membership_cache_seconds, teams=config.teams
    )
    secret_client = build_web_client(token, settings.slack_api_url, logger=secret_safe_logger())
    notifier = SlackNotifier(
        client,
        config,
        secret_client=secret_client,
        refs=MessageRefs(store),
        members=directory.members,
    )
    worker = ThreadPool()
    execution = build_execution(config, worker)
    # The workflow is handed a notifier that counts what it forwards: Prometheus metrics without
    # touching the workflow (bot/metrics/instrument.py).
    registry = CollectorRegistry()
    counting_notifier = instrument_notifier(notifier, registry, store, config.approval_ttl)
    # Environments that expire (ttl=, issue 15): a new one's thread says when (bot/slack/expiry_feature.py).
    expiry_every = job_every(config, "expiry", clock)  # what its messages promise ("within 2 minutes")
    expiry_posts = SlackExpiryPosts(client, MessageRefs(store), every=expiry_every)
    workflow_notifier = announcing(counting_notifier, store, expiry_posts)
    workflow = Workflow(
        store=store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=workflow_notifier,
        directory=directory,
        clock=clock,
        policy=WorkflowPolicy(
            approval_ttl=config.approval_ttl,
            auto_apply_when_allowed=config.auto_apply_when_allowed,
            admins=frozenset(config.admins),
        ),
        worker=execution.executor,
        leases=LeaseTimes(config.leases.ttl, config.leases.renew_every),
        costing=Costing(store=store, pricing=BookPricing(prices), budgets=config.budgets),
        rotatable=rotatable_paths(catalog, golden_paths.programs()),
    )
    notifier.read_approvers_with(lambda request_id: _approvers(workflow, request_id))
    services = SlackServices(
        workflow=workflow,
        catalog=catalog,
        rulebook=rulebook,
        config=config,
        directory=directory,
        worker=worker,
        unavailable=unavailable_paths(catalog, runner_settings) | golden_paths.unavailable(runner_settings),
        path_origins={p.name: (p.version, p.source) for p in golden_paths.paths},
    )
    bolt = build_bolt_app(client, signing_secret, services)
    drift = Drift.build(
        store=store,
        runner=runner,
        client=client,
        config=config,
        workflow=workflow,
        catalog=catalog,
        clock=clock,
        actor_of=services.actor,
        execution=execution,
    )
    expiry = Expiry.build(
        store=store,
        workflow=workflow,
        catalog=catalog,
        rulebook=rulebook,
        directory=directory,
        previewer=runner,
        actor_of=services.actor,
        posts=expiry_posts,
        every=expiry_every,
    )
    register_expiry_metrics(registry, store)
    outcomes = build_outcomes(
        client=client,
        store=store,
        config=config,
        clock=clock,
        paths=catalog.names,
        registry=registry,
        currency=prices.currency,
    )
    outcomes.stats.figures.append(expiry_stats_figure(store))
    # Each feature adds its listeners and its /platform commands; `help` lists them in this order.
    costs = CostsFeature(store=store, budgets=config.budgets, currency=prices.currency)
    for feature in (drift, *outcomes.features, costs, expiry):
        feature.register(bolt, services)
    schedules = install_schedules(
        store=store,
        clock=clock,
        config=config,
        workflow=workflow,
        remind=notifier.approval_reminder,
        jobs={"drift": drift.checker.run, **outcomes.jobs},
        environments=expiry.run,
    )
    bot = PlatformBot(
        settings=settings,
        config=config,
        store=store,
        catalog=catalog,
        rulebook=rulebook,
        runner=runner,
        client=client,
        directory=directory,
        notifier=notifier,
        worker=worker,
        workflow=workflow,
        services=services,
        bolt=bolt,
        registry=registry,
        clock=clock,
        outcomes=outcomes,
        schedules=schedules,
        drift=drift.checker,
        execution=execution,
    )
    return bot


def rotatable_paths(catalog: Catalog, programs: Mapping[str, GoldenPathProgram]) -> frozenset[str]:
    """The golden paths whose programs issue new credentials on `/platform rotate`."""
    return frozenset(
        p.name for p in catalog.paths if (program := programs.get(p.program)) and program.rotates_credentials
    )


def runner_settings_for(settings: Settings, config: AppConfig) -> RunnerSettings:
    data_dir = settings.data_dir
    admin_dsn = os.environ.get(config.pulumi.postgres_admin_dsn_env)
    return RunnerSettings(
        state_dir=config.pulumi.state_dir or data_dir / "pulumi-state",
        work_dir=data_dir / "pulumi-work",
        backend_url=config.pulumi.backend_url,
        passphrase=SecretStr(_passphrase(config, data_dir)),
        pulumi_bin_dir=config.pulumi.pulumi_bin_dir,
        postgres_admin_dsn=SecretStr(admin_dsn) if admin_dsn else None,
        git_root=config.pulumi.git_root or data_dir / "repos",
        path_settings=path_settings(config, os.environ),
    )


def unavailable_paths(catalog: Catalog, runner_settings: RunnerSettings) -> dict[str, str]:
    """Golden paths this installation cannot provision, and why (shown in the catalog and on request)."""
    missing: dict[str, str] = {}
    for path in catalog.paths:
        if path.program == "postgres-database" and runner_settings.postgres_admin_dsn is None:
            missing[path.name] = "no PostgreSQL admin DSN is configured (PLATFORMBOT_POSTGRES_ADMIN_DSN)"
    return missing


def _passphrase(config: AppConfig, data_dir: Path) -> str:
    """The Pulumi secrets passphrase: from the environment, or (for local use) a random one kept in
    the data dir, so `platformbot dev` needs nothing configured."""
    from_env = os.environ.get(config.pulumi.passphrase_env)
    if from_env:
        return from_env
    path = data_dir / "pulumi-passphrase"
    if not path.exists():
        log.warning("%s is not set; keeping a generated passphrase in %s", config.pulumi.passphrase_env, path)
    return read_or_create_secret(path)


def _approvers(workflow: Workflow, request_id: str) -> dict[str, list[str]]:
    status = workflow.status(request_id)
    approvers: dict[str, list[str]] = {}
    for approval in status.approvals:
        approvers.setdefault(approval.group, []).append(approval.approver)
    return approvers


def _required(secret: SecretStr | None, name: str) -> str:
    if secret is None or not secret.get_secret_value():
        raise ConfigError(f"{name} is not set")
    return secret.get_secret_value()
