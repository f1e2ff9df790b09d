"""Errors of the cost package.

A price book that cannot be loaded stops the bot at start; estimating never raises (a resource
that cannot be priced is listed as unpriced, never counted as 0)::

    CostError                 base
    ├── PriceBookError        the price book is unreadable, not YAML, or breaks its schema;
    │                         `.problems` lists every located Problem (file, line, column, reason)
    ├── FocusError            a FOCUS export cannot be imported (bot.cost.focus): `.problems`
    │                         lists each bad row by line; nothing of the file was stored
    └── AlreadyImported       the same file (by SHA-256) was imported before
"""

from __future__ import annotations

from rulebook.errors import Problem


class CostError(Exception):
    """Base of every error raised by bot.cost."""


class PriceBookError(CostError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems) or "the price book cannot be loaded")


class AlreadyImported(CostError):
    def __init__(self, import_id: int, filename: str, imported_at: str) -> None:
        self.import_id = import_id
        super().__init__(
            f"this file was already imported (import #{import_id}, {filename}, {imported_at}); "
            "nothing was imported again"
        )
