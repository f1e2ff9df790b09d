"""Drift: how often live infrastructure strays from what was applied, and how fast it is put right."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.metrics.window import Durations, Window
from bot.store import DriftFindingRow
from bot.store.states import DRIFT_CLOSED_STATES, DriftState


@dataclass(frozen=True)
class DriftFigures:
    detected: int
    open_at_end: int
    resolved: int
    accepted: int
    time_to_close: Durations


def drift(findings: Iterable[DriftFindingRow], window: Window) -> DriftFigures:
    """Drift findings: `detected` counts findings with `detected_at` inside the window; `open_at_end`
    counts findings detected before the window's end and not closed by then (`closed_at` unset or
    later); `resolved` and `accepted` count findings closed inside the window in that state
    (resolved: live state brought back to the applied state; accepted: the drift was taken as the
    new truth). Time to close is `closed_at − detected_at` over the findings closed inside the
    window, whichever way."""
    rows = list(findings)
    closed = [
        f
        for f in rows
        if f.state in DRIFT_CLOSED_STATES and f.closed_at is not None and f.closed_at in window
    ]
    return DriftFigures(
        detected=sum(1 for f in rows if f.detected_at in window),
        open_at_end=sum(
            1
            for f in rows
            if f.detected_at < window.until and (f.closed_at is None or f.closed_at >= window.until)
        ),
        resolved=sum(1 for f in closed if f.state == DriftState.RESOLVED),
        accepted=sum(1 for f in closed if f.state == DriftState.ACCEPTED),
        time_to_close=Durations.of(f.closed_at - f.detected_at for f in closed if f.closed_at is not None),
    )
