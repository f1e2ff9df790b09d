"""Closest-match suggestions for misspelt commands, paths, keys and values (stdlib difflib)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

# difflib's default cutoff (0.6) misses common slips such as `pgsql` for `postgres`; 0.5 still
# keeps unrelated words out for the short vocabularies here.
CUTOFF = 0.5


def closest(word: str, candidates: Sequence[str], *, limit: int = 3) -> list[str]:
    """Candidates closest to `word`, best first: case-insensitive equals, then prefixes, then difflib."""
    lowered = word.lower()
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    found: list[str] = []
    if lowered in by_lower:
        found.append(by_lower[lowered])
    if len(lowered) >= 2:
        found.extend(c for c in candidates if c.lower().startswith(lowered))
    found.extend(
        by_lower[m] for m in difflib.get_close_matches(lowered, list(by_lower), n=limit, cutoff=CUTOFF)
    )
    return list(dict.fromkeys(found))[:limit]


def did_you_mean(suggestions: Sequence[str]) -> str:
    """` Did you mean `x`?` (with a leading space) or the empty string."""
    if not suggestions:
        return ""
    options = " or ".join(f"`{s}`" for s in suggestions)
    return f" Did you mean {options}?"
