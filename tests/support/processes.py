"""What tests that start and kill real processes share: a free loopback port, and a process's
descendants (to kill a whole tree: the bot's Pulumi CLI, language hosts and providers)."""

from __future__ import annotations

from pathlib import Path

from bot.devtools.sandbox.postgres import free_port

__all__ = ["descendants", "free_port"]


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (Linux)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found
