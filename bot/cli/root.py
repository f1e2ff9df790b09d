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


@paths_app.command("new")
def paths_new(
    name: Annotated[str, typer.Argument(help="The golden path's name, e.g. team-notes.")],
    directory: Annotated[Path, typer.Option("--dir", help="Where to put the package's folder.")] = Path("."),
    owner: Annotated[str, typer.Option("--owner", help="The team that owns it.")] = "team-platform",
) -> None:
    """Scaffold an installable golden-path package: entry point, catalog entry, program with a
    working dynamic provider, rules with rule tests, and a test that previews it on the engine."""
    from bot.cli.golden_paths import new_path

    raise typer.Exit(new_path(name, directory, owner))


@paths_app.command("test")
def paths_test(
    name: Annotated[
        str | None, typer.Argument(help="One golden path; default: every non-shipped one.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", envvar="PLATFORMBOT_CONFIG", help="Bot config (folders, settings, rulebook)."
        ),
    ] = None,
) -> None:
    """Run a path's rule tests and preview its example request against a throwaway stack."""
    from bot.cli.golden_paths import test_paths

    raise typer.Exit(test_paths(name, config))
