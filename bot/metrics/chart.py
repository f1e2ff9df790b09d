"""The weekly trend as a PNG: median lead time (bars) and NPS (line), headless.

matplotlib is imported inside `render_chart` with the Agg backend chosen through the object API
(`Figure` + `FigureCanvasAgg`), never pyplot: pyplot keeps global state and picks a GUI backend,
neither of which belongs in a bot's worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.metrics.report import WeekPoint

WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.5, 110


def render_chart(trend: Sequence[WeekPoint], title: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [point.week.since.strftime("%d %b") for point in trend]
    hours = [
        (point.lead_time.median.total_seconds() / 3600) if point.lead_time.median is not None else 0.0
        for point in trend
    ]
    positions = list(range(len(trend)))
    nps_points = [(i, p.nps.score) for i, p in enumerate(trend) if p.nps.score is not None]

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    lead_axes = figure.add_subplot(1, 1, 1)
    lead_axes.bar(positions, hours, color="#457b9d", label="median lead time (h)")
    for i, point in enumerate(trend):
        if point.lead_time.count:
            lead_axes.annotate(
                str(point.lead_time.count), (i, hours[i]), ha="center", va="bottom", fontsize=7
            )
    lead_axes.set_ylabel("median lead time (hours)")
    lead_axes.set_xticks(positions, labels, rotation=45, ha="right", fontsize=8)
    lead_axes.set_xlabel("week starting (UTC); numbers on bars: requests")
    lead_axes.set_ylim(bottom=0)

    nps_axes = lead_axes.twinx()
    if nps_points:
        xs, ys = zip(*nps_points, strict=True)
        nps_axes.plot(xs, ys, color="#e63946", marker="o", label="NPS (n = people)")
        for x, y in nps_points:
            respondents = trend[x].nps.respondents
            nps_axes.annotate(
                f"{y:+.0f} (n={respondents})",
                (x, y),
                textcoords="offset points",
                xytext=(6, 4),
                ha="left",
                fontsize=7,
                color="#e63946",
            )
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
    if not any(hours) and not nps_points:
        lead_axes.text(0.5, 0.5, "no data yet", transform=lead_axes.transAxes, ha="center", color="grey")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
