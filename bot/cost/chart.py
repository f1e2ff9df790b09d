"""The weekly run-rate as a PNG: one stacked bar per week (a colour per team), the budget as a line.

Drawn as bot.metrics.chart draws: matplotlib's object API with the Agg canvas, never pyplot (no
global state, no GUI backend in a worker thread), imported only when a chart is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from bot.cost.history import RatePoint

WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.5, 110
# More teams than this in one chart are drawn as one "other teams" band: a legend stays readable.
MAX_SERIES = 8
OTHER = "other teams"
COLOURS = ("#457b9d", "#e63946", "#2a9d8f", "#f4a261", "#6d597a", "#8ab17d", "#e9c46a", "#264653", "#adb5bd")


def series(trend: Sequence[RatePoint]) -> dict[str, list[float]]:
    """The bands, dearest team (at the last week) at the bottom; the rest folded into OTHER."""
    teams = sorted(
        {t for p in trend for t in p.by_team},
        key=lambda t: (-(trend[-1].by_team.get(t, Decimal(0)) if trend else 0), t),
    )
    shown = teams if len(teams) <= MAX_SERIES else teams[: MAX_SERIES - 1]
    bands = {t: [float(p.by_team.get(t, 0)) for p in trend] for t in shown}
    rest = [t for t in teams if t not in shown]
    if rest:
        bands[OTHER] = [float(sum((p.by_team.get(t, Decimal(0)) for t in rest), Decimal(0))) for p in trend]
    return bands


def render_cost_chart(
    trend: Sequence[RatePoint], title: str, currency: str, budget: Decimal | None = None
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    xs = list(range(len(trend)))
    bottom = [0.0] * len(trend)
    for index, (name, values) in enumerate(series(trend).items()):
        axes.bar(xs, values, bottom=bottom, width=0.7, color=COLOURS[index % len(COLOURS)], label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for x, point in zip(xs, trend, strict=True):
        if point.resources:
            axes.annotate(str(point.resources), (x, bottom[x]), ha="center", va="bottom", fontsize=7)
    if budget is not None:
        axes.axhline(float(budget), color="#d62828", linestyle="--", linewidth=1, label=f"budget {budget}")
    top = max([*bottom, float(budget or 0)], default=0.0)
    axes.set_ylim(0, max(top * 1.15, 1.0))
    axes.set_xticks(xs, [f"{p.week.since:%d %b}" for p in trend])
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.set_ylabel(f"monthly run-rate ({currency})")
    axes.set_xlabel("week starting (UTC), run-rate at its end; numbers on bars: live resources")
    axes.set_title(title, loc="left", fontsize=10)
    if any(bottom) or budget is not None:
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=4, fontsize=8, frameon=False)
    if not any(bottom):
        axes.text(0.5, 0.5, "nothing live yet", transform=axes.transAxes, ha="center", color="grey")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
