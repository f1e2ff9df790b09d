"""`platformbot paths list`: every golden path this bot would offer, where it came from, its version.

Registered in bot/cli/root.py; this module holds the work so `platformbot --help` imports nothing.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def list_paths(config_path: Path | None, console: Console | None = None) -> int:
    """Print the table; 1 (and the located reason) when the config or a golden path cannot load."""
    from bot.config import ConfigError, load_app_config
    from provisioners.discovery import discover
    from provisioners.errors import GoldenPathError

    console = console or Console(highlight=False, soft_wrap=True)
    try:
        dirs = load_app_config(config_path).golden_path_dirs if config_path else ()
        registry = discover(dirs)
    except (ConfigError, GoldenPathError) as exc:
        console.print(escape(str(exc)), style="red")
        return 1
    table = Table(box=None, pad_edge=False)
    for column in ("name", "source", "version", "owner"):
        table.add_column(column, no_wrap=column in ("name", "version"))
    for loaded in registry.paths:
        table.add_row(loaded.name, loaded.source, loaded.version, loaded.entry.owner)
    console.print(table)
    return 0
