"""`platformbot doctor`: what this installation has and lacks, each with how to fix it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from bot.cli.root import app


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # False: the bot still runs without it (e.g. Socket Mode's app token).
    required: bool = True


def _pulumi() -> Check:
    from provisioners.settings import PULUMI_VERSION, discover_pulumi_bin_dir

    bin_dir = discover_pulumi_bin_dir()
    if bin_dir is None:
        return Check("Pulumi CLI", False, f"{PULUMI_VERSION} not found: run `make setup`")
    version = subprocess.run(
        [str(bin_dir / "pulumi"), "version"], capture_output=True, text=True
    ).stdout.strip()
    if version != PULUMI_VERSION:
        return Check(
            "Pulumi CLI", False, f"{bin_dir}/pulumi is {version or 'unknown'}, need {PULUMI_VERSION}"
        )
    shim = bin_dir / "pulumi-resource-pulumi-python"
    if not shim.exists() and not shutil.which("pulumi-resource-pulumi-python"):
        return Check("Pulumi CLI", False, f"{shim} is missing (dynamic providers): run `make setup`")
    return Check("Pulumi CLI", True, f"{version} in {bin_dir}")


def _postgres_server() -> Check:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or (
        [Path(p)] if (p := shutil.which("initdb")) else []
    )
    return Check(
        "PostgreSQL server (sandbox, tests)",
        bool(found),
        str(found[-1].parent) if found else "not installed: `apt-get install postgresql`",
        required=False,
    )


def _config() -> Check:
    from bot.config import ConfigError, Settings, load_app_config
    from intents import CatalogError, load_catalog
    from provisioners.discovery import discover
    from provisioners.errors import GoldenPathError
    from rulebook import RulebookLoadError, load_rulebook

    path = Settings().platformbot_config
    if path is None:
        return Check("config", False, "PLATFORMBOT_CONFIG is not set (see manifests/config.example.yaml)")
    try:
        config = load_app_config(path)
        # As create_app loads them: every discovered path's catalog entry and rule fragment.
        golden_paths = discover(config.golden_path_dirs)
        catalog = golden_paths.catalog(load_catalog(config.catalog_path))
        book = load_rulebook(
            config.rulebook_path, known_groups=set(config.groups), fragments=golden_paths.rule_fragments()
        )
    except (ConfigError, CatalogError, RulebookLoadError, GoldenPathError) as exc:
        return Check("config", False, str(exc).splitlines()[0])
    return Check("config", True, f"{path}: {len(catalog.paths)} golden paths, {len(book.rules)} rules")


def _golden_paths() -> Check:
    """Golden paths that load but lack a setting they declare: the bot offers them as unavailable."""
    from bot.config import ConfigError, Settings, load_app_config, path_settings
    from provisioners.discovery import discover
    from provisioners.errors import GoldenPathError

    path = Settings().platformbot_config
    name = "golden path settings"
    if path is None:
        return Check(name, False, "skipped: PLATFORMBOT_CONFIG is not set", required=False)
    try:
        config = load_app_config(path)
        golden_paths = discover(config.golden_path_dirs)
    except (ConfigError, GoldenPathError):
        return Check(name, False, "skipped: the config or a golden path does not load", required=False)
    configured = path_settings(config, os.environ)
    missing = [
        f"{p.name} lacks {', '.join(k for k in p.path.settings if k not in configured.get(p.name, {}))}"
        for p in golden_paths.paths
        if any(k not in configured.get(p.name, {}) for k in p.path.settings)
    ]
    if missing:
        return Check(name, False, "; ".join(missing) + " (config `paths:`): unavailable", required=False)
    return Check(name, True, "every golden path has the settings it declares", required=False)


def _prices() -> Check:
    from bot.config import ConfigError, Settings, load_app_config
    from bot.cost.doctor import price_check
    from intents import CatalogError, load_catalog

    path = Settings().platformbot_config
    if path is None:
        return Check("price book", False, "skipped: PLATFORMBOT_CONFIG is not set", required=False)
    try:
        config = load_app_config(path)
        catalog = load_catalog(config.catalog_path)
    except (ConfigError, CatalogError):
        return Check("price book", False, "skipped: the config does not load", required=False)
    ok, detail = price_check(config.prices_path, [p.name for p in catalog.paths])
    return Check("price book", ok, detail, required=False)


def _environment(name: str, required: bool = True, hint: str = "") -> Check:
    present = bool(os.environ.get(name))
    return Check(name, present, "set" if present else f"not set{hint}", required=required)


def _slack() -> Check:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from bot.config import Settings

    settings = Settings()
    if settings.slack_bot_token is None:
        return Check("Slack auth.test", False, "skipped: SLACK_BOT_TOKEN is not set")
    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        return Check("Slack auth.test", False, f"refused: {exc.response.get('error')}")
    except OSError as exc:
        return Check(
            "Slack auth.test", False, f"cannot reach {settings.slack_api_url}: {exc.__class__.__name__}"
        )
    return Check("Slack auth.test", True, f"bot {answer.get('user')} in {answer.get('team')}")


CHECKS: list[Callable[[], Check]] = [
    lambda: Check("Python", sys.version_info >= (3, 11), sys.version.split()[0]),
    _pulumi,
    _postgres_server,
    lambda: _environment("SLACK_BOT_TOKEN"),
    lambda: _environment("SLACK_SIGNING_SECRET"),
    lambda: _environment("SLACK_APP_TOKEN", required=False, hint=" (only for --socket)"),
    lambda: _environment(
        "PULUMI_CONFIG_PASSPHRASE", required=False, hint=" (a generated one is kept in the data dir)"
    ),
    lambda: _environment(
        "PLATFORMBOT_POSTGRES_ADMIN_DSN", required=False, hint=" (postgres-database unavailable)"
    ),
    _config,
    _golden_paths,
    _prices,
    _slack,
]


@app.command()
def doctor() -> None:
    """Check what `platformbot serve` needs; exit 1 when something required is missing."""
    from rich.console import Console
    from rich.table import Table

    table = Table("", "check", "detail")
    failed = False
    for run in CHECKS:
        check = run()
        mark = (
            "[green]ok[/]" if check.ok else ("[red]missing[/]" if check.required else "[yellow]optional[/]")
        )
        failed |= check.required and not check.ok
        table.add_row(mark, check.name, check.detail)
    Console().print(table)
    if failed:
        raise typer.Exit(1)
