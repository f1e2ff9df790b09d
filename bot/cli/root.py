"""The root Typer app every sub-command module registers on.

It sits below the sub-commands so they import it from here, not from the package `bot.cli`, whose
`main` imports them: the sub-commands and the package form no import circle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# No locals in tracebacks: they could hold a DSN or a token.
app = typer.Typer(
    no_args_is_help=True,
    help="platformbot: golden paths as a product, from Slack.",
    pretty_exceptions_show_locals=False,
)

paths_app = typer.Typer(no_args_is_help=True, help="The golden paths: shipped, installed packages, folders.")
app.add_typer(paths_app, name="paths")


@paths_app.command("list")
def paths_list(
    config: Annotated[
        Path | None,
        typer.Option("--config", envvar="PLATFORMBOT_CONFIG", help="Bot config (for its golden_path_dirs)."),
    ] = None,
) -> None:
    """Every golden path with where it came from and its version; a broken one names file and line."""
    from bot.cli.golden_paths import list_paths

    raise typer.Exit(list_paths(config))
