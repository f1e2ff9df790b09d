"""The sandbox's embedded configuration: the emulated workspace's channels, people and groups,
wired to the bot the same way a real installation's YAML would be, so nothing needs configuring."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bot.clock import Clock
from bot.config import AppConfig, ApproverGroup, Channels, PulumiSettings, Settings, TeamBudget
from bot.devtools.sandbox.rabbitmq import RabbitMQServer
from bot.devtools.slack_emulator import Workspace

DEFAULT_PAGE_PORT = 8080
REQUESTS_CHANNEL = "C0REQUESTS"
PLATFORM_CHANNEL = "C0PLATFORM"
SECURITY_CHANNEL = "C0SECURITY"
REQUESTER = "U0REQ"
# The sandbox sets and clears the admin DSN variable itself (see Sandbox), under the name the
# bot's "unavailable" message names; a DSN in the person's own shell must never reach the sandbox.
ADMIN_DSN_ENV = "PLATFORMBOT_POSTGRES_ADMIN_DSN"
# A passphrase variable only the sandbox reads: unset, the bot keeps a generated one in the data dir.
PASSPHRASE_ENV = "PLATFORMBOT_SANDBOX_PULUMI_PASSPHRASE"


def default_data_dir() -> Path:
    """Separate from `platformbot serve`'s data dir so sandbox requests never mix with real ones."""
    base = os.environ.get("PLATFORMBOT_DATA_DIR") or os.path.expanduser("~/.local/share/platformbot")
    return Path(base) / "sandbox"


@dataclass(frozen=True)
class SandboxOptions:
    data_dir: Path
    # Port of the web page; 0 picks a free one. The page always listens on loopback only: it
    # has no login, and whoever reaches it can act as anyone in the workspace.
    port: int = DEFAULT_PAGE_PORT
    postgres: bool = True
    # An admin DSN to use instead of starting a cluster (tests share one server per session).
    postgres_dsn: str | None = None
    # A local rabbitmq-server for rabbitmq-vhost (`--no-rabbitmq`: none). Its node takes seconds
    # to start, which tests that never provision a vhost need not pay.
    rabbitmq: bool = True
    clock: Clock | None = None
    pulumi_bin_dir: Path | None = None
    # Socket Mode instead of HTTP between the local Slack and the bot (`platformbot dev --socket`).
    socket: bool = False
    # Golden-path package folders to offer besides the installed ones (`platformbot dev
    # --path-dir`): a platform engineer tries a package here before anyone installs it.
    golden_path_dirs: Sequence[Path] = ()


def sandbox_app_config(
    options: SandboxOptions, *, redis_admin_url: str | None = None, rabbitmq: RabbitMQServer | None = None
) -> AppConfig:
    data = options.data_dir
    # The sandbox's own servers, when it started them (their paths are unavailable otherwise).
    paths: dict[str, dict[str, str]] = {}
    if redis_admin_url:
        paths["redis-cache"] = {"admin_url": redis_admin_url}
    if rabbitmq is not None:
        paths["rabbitmq-vhost"] = {"admin_url": rabbitmq.admin_url(), "amqp_url": rabbitmq.amqp_url()}
    return AppConfig(
        channels=Channels(requests=REQUESTS_CHANNEL, platform=PLATFORM_CHANNEL),
        groups={
            "security": ApproverGroup(usergroup_id="S0SECURITY", channel=SECURITY_CHANNEL),
            "oncall": ApproverGroup(usergroup_id="S0ONCALL", channel=PLATFORM_CHANNEL),
            # Over-budget requests (the rulebook's finance rule), asked in #platform.
            "finance": ApproverGroup(usergroup_id="S0FINANCE", channel=PLATFORM_CHANNEL),
        },
        # Every plan shows its team's budget use: Riley's payments team has EUR 500 a month.
        budgets={
            "payments": TeamBudget(cost_centre="CC-4711", monthly_budget=Decimal(500)),
            "search": TeamBudget(cost_centre="CC-2040", monthly_budget=Decimal(300)),
        },
        teams={
            "payments": ("U0REQ",),
            "search": ("U0DEV2",),
            "security": ("U0SEC1", "U0SEC2"),
            "platform": ("U0ONCALL",),
        },
        admins=("U0ONCALL",),
        timezone="Europe/Berlin",
        paths=paths,
        golden_path_dirs=tuple(Path(d).expanduser().resolve() for d in options.golden_path_dirs),
        pulumi=PulumiSettings(
            state_dir=data / "pulumi-state",
            git_root=data / "repos",
            pulumi_bin_dir=options.pulumi_bin_dir,
            postgres_admin_dsn_env=ADMIN_DSN_ENV,
            passphrase_env=PASSPHRASE_ENV,
        ),
    )


def sandbox_settings(workspace: Workspace, slack_api_url: str, data_dir: Path) -> Settings:
    # Passed explicitly: Settings() would read the person's SLACK_* and DATABASE_URL variables.
    return Settings(
        slack_bot_token=workspace.bot_token,
        slack_signing_secret=workspace.signing_secret,
        slack_app_token=workspace.app_token,
        slack_api_url=slack_api_url,
        platformbot_data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'platformbot.db'}",
    )
