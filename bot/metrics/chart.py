"""The weekly trend as a PNG: median lead time (bars) and NPS (line), headless.

matplotlib is imported inside `build_figure` with the Agg backend chosen through the object API
(`Figure` + `FigureCanvasAgg`), never pyplot: pyplot keeps global state and picks a GUI backend,
neither of which belongs in a bot's worker thread.

The x axis is time, limited to the window asked for (a report's trend may reach further back, to
have enough weeks for a trend line); each week's bar spans the part of the week inside it. The
lead-time axis is in the unit the data calls for (seconds, minutes, hours or days), so a 6-second
median reads "6", not "0.002" hours.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.metrics.report import WeekPoint
from bot.metrics.window import Window

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.5, 110
# (unit, seconds in it, short name): the largest unit in which the longest median is at least 2.
UNITS = (("days", 86400, "d"), ("hours", 3600, "h"), ("minutes", 60, "min"), ("seconds", 1, "s"))


def lead_time_unit(medians: Sequence[timedelta]) -> tuple[str, float, str]:
    longest = max((m.total_seconds() for m in medians), default=0.0)
    for name, seconds, short in UNITS:
        if longest >= 2 * seconds:
            return name, seconds, short
    return UNITS[-1]


def tick_label(value: float) -> str:
    """At most two decimals, none that say nothing: 0, 0.5, 1.25, 12."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def render_chart(trend: Sequence[WeekPoint], title: str, window: Window | None = None) -> bytes:
    figure = build_figure(trend, title, window)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def build_figure(trend: Sequence[WeekPoint], title: str, window: Window | None = None) -> Figure:
    """The chart of the weeks that overlap `window` (default: the whole trend)."""
    from matplotlib import dates, ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if window is None:
        window = Window(trend[0].week.since, trend[-1].week.until) if trend else None
    limits = (window.since, window.until) if window is not None else None
    shown = [p for p in trend if limits and p.week.until > limits[0] and p.week.since < limits[1]]
    # Each week clipped to the window: (start, end) as matplotlib date numbers.
    spans = [
        (dates.date2num(max(p.week.since, limits[0])), dates.date2num(min(p.week.until, limits[1])))
        for p in shown
        if limits
    ]
    medians = [p.lead_time.median for p in shown if p.lead_time.median is not None]
    unit, seconds, short = lead_time_unit(medians)
    values = [
        p.lead_time.median.total_seconds() / seconds if p.lead_time.median is not None else 0.0 for p in shown
    ]
    middles = [(start + end) / 2 for start, end in spans]
    nps_points = [
        (middles[i], p.nps.score, p.nps.respondents) for i, p in enumerate(shown) if p.nps.score is not None
    ]

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    lead_axes = figure.add_subplot(1, 1, 1)
    lead_axes.bar(
        middles,
        values,
        width=[0.8 * (end - start) for start, end in spans],
        color="#457b9d",
        label=f"median lead time ({short})",
    )
    for x, value, point in zip(middles, values, shown, strict=True):
        if point.lead_time.count:
            lead_axes.annotate(str(point.lead_time.count), (x, value), ha="center", va="bottom", fontsize=7)
    lead_axes.set_ylabel(f"median lead time ({unit})")
    lead_axes.set_ylim(0, max(max(values, default=0.0) * 1.15, 1.0))
    lead_axes.yaxis.set_major_locator(ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    lead_axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _pos: tick_label(value)))
    lead_axes.set_xticks(
        [start for start, _end in spans], [dates.num2date(start).strftime("%d %b") for start, _end in spans]
    )
    lead_axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    lead_axes.set_xlabel("week starting (UTC); numbers on bars: requests")

    nps_axes = lead_axes.twinx()
    if nps_points:
        xs = [x for x, _y, _n in nps_points]
        ys = [y for _x, y, _n in nps_points]
        nps_axes.plot(xs, ys, color="#e63946", marker="o", label="NPS (n = people)")
        for x, y, respondents in nps_points:
            nps_axes.annotate(
                f"{y:+.0f} (n={respondents})",
                (x, y),
                textcoords="offset points",
                xytext=(6, 4),
                ha="left",
                fontsize=7,
                color="#e63946",
            )
    if limits:
        # After every plot: a shared axis would otherwise widen to fit the bars' margins.
        lead_axes.set_xlim(dates.date2num(limits[0]), dates.date2num(limits[1]))
    # A little beyond ±100 so points at the extremes and their labels stay inside the frame.
    nps_axes.set_ylim(-115, 115)
    nps_axes.axhline(0, color="#e63946", linewidth=0.5, linestyle=":")
    nps_axes.set_ylabel("NPS")

    handles = lead_axes.get_legend_handles_labels()[0] + nps_axes.get_legend_handles_labels()[0]
    # Above the plot, so it never hides a point.
    lead_axes.legend(
        handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, fontsize=8, frameon=False
    )
    lead_axes.set_title(title, loc="left", fontsize=10)
    if not any(values) and not nps_points:
        lead_axes.text(0.5, 0.5, "no data yet", transform=lead_axes.transAxes, ha="center", color="grey")
    figure.tight_layout()
    return figure
