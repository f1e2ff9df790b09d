"""The root Typer app every sub-command module registers on.

It sits below the sub-commands so they import it from here, not from the package `bot.cli`, whose
`main` imports them: the sub-commands and the package form no import circle.
"""

from __future__ import annotations

import typer

# No locals in tracebacks: they could hold a DSN or a token.
app = typer.Typer(
    no_args_is_help=True,
    help="platformbot: golden paths as a product, from Slack.",
    pretty_exceptions_show_locals=False,
)
