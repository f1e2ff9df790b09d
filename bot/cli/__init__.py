"""The `platformbot` command line (typer). Each sub-command lives in its own module here."""

from __future__ import annotations

import typer

# No locals in tracebacks: they could hold a DSN or a token.
app = typer.Typer(
    no_args_is_help=True,
    help="platformbot: golden paths as a product, from Slack.",
    pretty_exceptions_show_locals=False,
)


def main() -> None:
    # Sub-commands register themselves on import; importing here keeps import-time work at zero
    # for library users of the packages.
    from bot.cli import commands  # noqa: F401

    app()
