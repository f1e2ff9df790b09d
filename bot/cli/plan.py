"""`platformbot plan "<golden path> key=value ..."`: the real Pulumi plan and its hash, from a terminal.

It needs no config file: state, work files and the `service` git root live under
`<data dir>/plan` (PLATFORMBOT_DATA_DIR, default ~/.local/share/platformbot), and
`postgres-database` needs only an admin DSN (`--admin-dsn` or PLATFORMBOT_POSTGRES_ADMIN_DSN).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.root import app

if TYPE_CHECKING:
    from intents import Catalog, Intent
    from provisioners import Plan, RunnerSettings

DEFAULT_DATA_DIR = Path("~/.local/share/platformbot")
# A preview stores no secret values, so a fixed passphrase is enough for this private sandbox
# state; PULUMI_CONFIG_PASSPHRASE, when set, wins (e.g. to share state with a local bot).
LOCAL_PASSPHRASE = "platformbot-local-plan"

log = logging.getLogger("bot.cli.plan")


class UserError(Exception):
    """Something the person at the terminal can fix; printed without a traceback."""


def _data_dir(given: Path | None) -> Path:
    chosen = given or Path(os.environ.get("PLATFORMBOT_DATA_DIR") or DEFAULT_DATA_DIR)
    return chosen.expanduser().resolve()


def _settings(data_dir: Path, admin_dsn: str | None) -> RunnerSettings:
    from provisioners import RunnerSettings

    root = data_dir / "plan"
    return RunnerSettings(
        state_dir=root / "pulumi-state",
        work_dir=root / "work",
        passphrase=os.environ.get("PULUMI_CONFIG_PASSPHRASE") or LOCAL_PASSPHRASE,
        postgres_admin_dsn=admin_dsn or None,
        git_root=root / "git",
    )


@contextmanager
def _engine_log(path: Path, debug: bool) -> Iterator[None]:
    """Engine output goes to a file (or to stderr with --debug), never mixed into the plan."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler: logging.Handler = (
        logging.StreamHandler() if debug else logging.FileHandler(path, encoding="utf-8")
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    try:
        yield
    finally:  # the command may run inside a longer-lived process (tests): leave logging as found
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def _load_catalog(path: Path | None) -> Catalog:
    from intents import DEFAULT_CATALOG_PATH, CatalogError, load_catalog

    try:
        return load_catalog(path or DEFAULT_CATALOG_PATH)
    except CatalogError as exc:
        raise UserError(f"The catalog cannot be used:\n{exc}") from exc
    except OSError as exc:
        raise UserError(f"Cannot read the catalog {path or DEFAULT_CATALOG_PATH}: {exc.strerror}") from exc


def _parse(text: str, catalog: Catalog) -> Intent:
    from intents import IntentError, parse_intent

    try:
        return parse_intent(text, catalog)
    except IntentError as exc:
        raise UserError(exc.render_text()) from exc


def make_plan(text: str, *, admin_dsn: str | None, data_dir: Path, catalog_path: Path | None) -> Plan:
    """Parse, then preview with a Runner over the local sandbox state. Raises UserError."""
    from provisioners import ProvisionerError, Runner

    catalog = _load_catalog(catalog_path)
    intent = _parse(text, catalog)
    runner = Runner(
        _settings(data_dir, admin_dsn),
        program_for_path={path.name: path.program for path in catalog.paths},
    )
    try:
        return runner.preview(intent)
    except ProvisionerError as exc:
        raise UserError(exc.message) from exc


@app.command()
def plan(
    text: Annotated[
        str, typer.Argument(help='The request, e.g. "postgres-database name=billing env=staging".')
    ],
    admin_dsn: Annotated[
        str | None,
        typer.Option(
            "--admin-dsn",
            envvar="PLATFORMBOT_POSTGRES_ADMIN_DSN",
            help="Admin DSN of the PostgreSQL server (postgres-database only).",
            show_default=False,
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Sandbox state dir [env PLATFORMBOT_DATA_DIR; default ~/.local/share/platformbot].",
        ),
    ] = None,
    catalog: Annotated[Path | None, typer.Option("--catalog", help="Golden-path catalog YAML.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log engine output to stderr; show tracebacks.")
    ] = False,
) -> None:
    """Preview a golden-path request with the real Pulumi engine and print the plan and its hash."""
    where = _data_dir(data_dir)
    log_file = where / "plan" / "plan.log"
    with _engine_log(log_file, debug):
        try:
            result = make_plan(text, admin_dsn=admin_dsn, data_dir=where, catalog_path=catalog)
        except UserError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        except Exception as exc:  # a bug, not the user's doing: no message text, which may hold anything
            if debug:
                raise
            log.exception("platformbot plan failed")
            typer.echo(
                f"platformbot plan failed unexpectedly ({type(exc).__name__}); see {log_file}.", err=True
            )
            raise typer.Exit(2) from exc
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(result.render_text())
    typer.echo(f"plan hash: {result.plan_hash}")
