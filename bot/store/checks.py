"""CHECK constraint text shared by the table modules."""

from __future__ import annotations

from collections.abc import Iterable


def one_of(column: str, values: Iterable[str]) -> str:
    """`column IN ('a', 'b')`, in the order given (the migrations spell the same text)."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"
