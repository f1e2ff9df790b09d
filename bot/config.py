"""Configuration: environment variables (secrets, endpoints) plus one YAML file (everything else).

Environment (ARCHITECTURE.md): SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN (Socket Mode),
SLACK_API_URL, PLATFORMBOT_CONFIG (path of the YAML), DATABASE_URL, PLATFORMBOT_DATA_DIR,
PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE, PLATFORMBOT_POSTGRES_ADMIN_DSN.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = REPO_ROOT / "manifests"
SLACK_DEFAULT_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """The config file or environment is unusable; the message says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApproverGroup(_Strict):
    """Who may approve for a rulebook group: a Slack user group or a fixed list of user ids."""

    usergroup_id: str | None = None
    user_ids: tuple[str, ...] = ()
    channel: str = Field(description="Channel id where this group's approval requests go")

    @model_validator(mode="after")
    def _one_source_of_members(self) -> ApproverGroup:
        if bool(self.usergroup_id) == bool(self.user_ids):
            raise ValueError("give exactly one of usergroup_id or user_ids")
        return self


class Channels(_Strict):
    requests: str = Field(description="Channel id where request threads are opened")
    platform: str | None = Field(default=None, description="Channel id for the platform team's own notices")


BACKEND_SCHEMES = ("file://", "postgres://", "s3://")


class PulumiSettings(_Strict):
    state_dir: Path | None = Field(
        default=None, description="Local file backend; default <data_dir>/pulumi-state"
    )
    # Shared state for many processes: Pulumi's PostgreSQL DIY backend (postgres://user:pw@host/db)
    # or S3 (s3://bucket). None: the local `state_dir`, for one machine.
    backend_url: SecretStr | None = None
    passphrase_env: str = "PULUMI_CONFIG_PASSPHRASE"
    postgres_admin_dsn_env: str = "PLATFORMBOT_POSTGRES_ADMIN_DSN"
    git_root: Path | None = Field(default=None, description="Where `service` repositories go")
    pulumi_bin_dir: Path | None = None

    @model_validator(mode="after")
    def _known_backend(self) -> PulumiSettings:
        url = self.backend_url.get_secret_value() if self.backend_url is not None else None
        if url is not None and not url.startswith(BACKEND_SCHEMES):
            # The message names the schemes, never the URL: it may hold a password.
            raise ValueError(f"backend_url must start with one of {', '.join(BACKEND_SCHEMES)}")
        return self


class TemporalSettings(_Strict):
    """Where steps run with `executor: temporal` (a Temporal server, and `platformbot worker`s)."""

    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "platformbot"
    # A worker that misses heartbeats this long is taken for dead; its step goes to another worker.
    heartbeat_timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    worker_concurrency: int = Field(default=4, ge=1, description="Steps one worker runs at once")


class LeaseSettings(_Strict):
    """The stack lease (bot/workflow/locks.py): one operation per stack across the fleet. A lease
    not renewed for `ttl_seconds` may be taken over (its holder is taken for dead); the running
    step renews it every `renew_seconds`. Shorter: a dead process's apply resumes sooner; too
    short for the database's latency and a live step loses its stack."""

    ttl_seconds: float = Field(default=30.0, gt=0)
    renew_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _renewed_before_it_runs_out(self) -> LeaseSettings:
        if self.renew_seconds >= self.ttl_seconds:
            raise ValueError("leases.renew_seconds must be less than leases.ttl_seconds")
        return self

    @property
    def ttl(self) -> timedelta:
        return timedelta(seconds=self.ttl_seconds)

    @property
    def renew_every(self) -> timedelta:
        return timedelta(seconds=self.renew_seconds)


class ServerSettings(_Strict):
    """The HTTP server of `platformbot serve` and `dev` (waitress; the names are waitress's own).

    Connections do not hold threads: one event loop reads them and `threads` run requests, so
    idle or slow clients cost a socket each, up to `connection_limit`, until `channel_timeout`."""

    # The kernel's accept queue; the standard library's 5 dropped bursts of slash commands.
    backlog: int = Field(default=2048, ge=1)
    threads: int = Field(default=8, ge=1, description="Worker threads running requests")
    connection_limit: int = Field(default=4096, ge=1, description="Open connections before accept pauses")
    channel_timeout: int = Field(default=30, ge=1, description="Seconds an idle connection is kept")
    cleanup_interval: int = Field(default=5, ge=1, description="Seconds between idle sweeps")
    max_request_body_size: int = Field(default=1024 * 1024, ge=1, description="Larger bodies get 413")
    # Off: every response says `Connection: close` (a proxy in front that does not pool).
    keep_alive: bool = True
    # SIGTERM: requests in flight get this long to be answered, running applies `shutdown_grace_seconds`.
    inflight_grace_seconds: float = Field(default=10.0, ge=0)
    shutdown_grace_seconds: float = Field(default=60.0, ge=0)


class Schedules(_Strict):
    """Cron expressions (5 fields, in `timezone`) for the scheduled jobs; an empty string switches one off."""

    drift: str = "0 */6 * * *"
    feedback: str = "0 10 * * *"
    reminders: str = "0 * * * *"
    # Every minute: an environment expires on time (the claims keep each slot to one replica).
    expiry: str = "* * * * *"
    digest: str = "0 9 * * 1"


class Feedback(_Strict):
    nps_every_days: int = 90
    fatigue_days: int = 14
    csat_delay_hours: int = 24


class TeamBudget(_Strict):
    """What a team's resources are charged to (issue 14): its cost centre and monthly budget."""

    cost_centre: str | None = None
    monthly_budget: Decimal | None = Field(default=None, ge=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class AppConfig(_Strict):
    channels: Channels
    groups: dict[str, ApproverGroup] = Field(default_factory=dict)
    teams: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="team name -> member user ids"
    )
    admins: tuple[str, ...] = Field(default=(), description="Platform admins: may cancel any request")
    rulebook_path: Path = MANIFESTS / "rulebook.yaml"
    catalog_path: Path = MANIFESTS / "catalog.yaml"
    prices_path: Path = MANIFESTS / "prices.yaml"
    # Folders of golden-path packages not installed in the venv (provisioners.discovery): each
    # package in one that defines GOLDEN_PATH is a golden path, beside the entry-point ones.
    golden_path_dirs: tuple[Path, ...] = ()
    # Settings of golden paths from packages, by path name: `redis-cache: {admin_url: redis://...}`.
    # A key ending in `_env` names an environment variable holding the value (`admin_url_env: X`
    # sets admin_url), so credentials need not be written in the file; see path_settings().
    paths: dict[str, dict[str, str]] = Field(default_factory=dict)
    # team -> cost centre and budget; the team names are those of `teams`.
    budgets: dict[str, TeamBudget] = Field(default_factory=dict)
    timezone: str = "UTC"
    approval_ttl_hours: float = 72
    reminder_every_hours: float = 4
    auto_apply_when_allowed: bool = True
    drift_concurrency: int = 4
    membership_cache_seconds: int = 300
    pulumi: PulumiSettings = PulumiSettings()
    # Who runs plans and applies: this process's threads, or Temporal workers (bot/temporal).
    executor: Literal["inprocess", "temporal"] = "inprocess"
    temporal: TemporalSettings = TemporalSettings()
    leases: LeaseSettings = LeaseSettings()
    schedules: Schedules = Schedules()
    feedback: Feedback = Feedback()
    server: ServerSettings = ServerSettings()

    @property
    def approval_ttl(self) -> timedelta:
        return timedelta(hours=self.approval_ttl_hours)

    def team_of(self, user_id: str) -> str | None:
        for team, members in sorted(self.teams.items()):
            if user_id in members:
                return team
        return None


class Settings(BaseSettings):
    """Process environment. Secrets stay SecretStr so they never print by accident."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_DEFAULT_API_URL
    platformbot_config: Path | None = None
    database_url: str | None = None
    platformbot_data_dir: Path = Path(os.path.expanduser("~/.local/share/platformbot"))

    @property
    def data_dir(self) -> Path:
        return self.platformbot_data_dir


def load_app_config(path: Path) -> AppConfig:
    """Read and validate the YAML config; relative paths in it are taken relative to the file."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"config {path} must be a mapping at the top level")
    try:
        config = AppConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ConfigError(f"config {path}: {problems}") from exc
    return _anchor_paths(config, path.parent)


def _anchor_paths(config: AppConfig, base: Path) -> AppConfig:
    def anchor(p: Path | None) -> Path | None:
        return p if p is None or p.is_absolute() else (base / p).resolve()

    pulumi = config.pulumi.model_copy(
        update={
            "state_dir": anchor(config.pulumi.state_dir),
            "git_root": anchor(config.pulumi.git_root),
            "pulumi_bin_dir": anchor(config.pulumi.pulumi_bin_dir),
        }
    )
    return config.model_copy(
        update={
            "rulebook_path": anchor(config.rulebook_path),
            "catalog_path": anchor(config.catalog_path),
            "prices_path": anchor(config.prices_path),
            "golden_path_dirs": tuple((base / p).resolve() for p in config.golden_path_dirs),
            "pulumi": pulumi,
        }
    )


def path_settings(config: AppConfig, environ: Mapping[str, str]) -> dict[str, dict[str, SecretStr]]:
    """`paths:` of the config with `<key>_env: VAR` read from `environ` as `<key>`. A variable that
    is not set leaves its key out, so the path shows as unavailable naming what is missing."""
    resolved: dict[str, dict[str, SecretStr]] = {}
    for path, values in config.paths.items():
        settings: dict[str, SecretStr] = {}
        for key, value in values.items():
            if key.endswith("_env"):
                if environ.get(value):
                    settings[key.removesuffix("_env")] = SecretStr(environ[value])
            else:
                settings[key] = SecretStr(value)
        resolved[path] = settings
    return resolved


def read_or_create_secret(path: Path) -> str:
    """A random secret kept in `path`, created on first use readable by the owner only (0600 from
    the start, so it is never readable under a looser umask)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
