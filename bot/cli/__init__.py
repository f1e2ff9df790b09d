"""The `platformbot` command line (typer). Each sub-command lives in its own module here and
registers itself on the root app (bot/cli/root.py)."""

from __future__ import annotations

from bot.cli.root import app

__all__ = ["app", "main"]


def main() -> None:
    # Sub-commands register themselves on import; importing here keeps import-time work at zero
    # for library users of the packages.
    from bot.cli import commands  # noqa: F401

    app()
