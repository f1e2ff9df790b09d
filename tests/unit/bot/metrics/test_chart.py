"""The trend chart, read back from the figure itself: the lead-time axis in a unit the data calls
for with at most two decimals, and the time axis limited to the window asked for."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib import dates
from matplotlib.axes import Axes

from bot.metrics import Durations, build_report
from bot.metrics.chart import build_figure, lead_time_unit, render_chart, tick_label
from bot.metrics.report import WeekPoint
from bot.metrics.satisfaction import Nps
from bot.metrics.window import Window
from tests.support.metrics_history import WINDOW, history

MONDAY = datetime(2026, 9, 7, tzinfo=UTC)


def weekly(medians: list[timedelta | None], since: datetime = MONDAY) -> list[WeekPoint]:
    """One point a week from `since`, each with the given median lead time (None: no requests)."""
    trend = []
    for i, median in enumerate(medians):
        week = Window(since + timedelta(weeks=i), since + timedelta(weeks=i + 1))
        durations = Durations(3, median, median) if median is not None else Durations(0, None, None)
        trend.append(WeekPoint(week, durations, Nps(respondents=4, promoters=2, detractors=1)))
    return trend


def _axes(trend: list[WeekPoint], window: Window | None = None) -> Axes:
    figure = build_figure(trend, "trend", window)
    figure.canvas.draw()  # tick labels are only formatted when drawn
    return figure.axes[0]


@pytest.mark.parametrize(
    ("median", "unit"),
    [
        (timedelta(seconds=6), "seconds"),
        (timedelta(minutes=3), "minutes"),
        (timedelta(hours=5), "hours"),
        (timedelta(days=4), "days"),
    ],
)
def test_the_lead_time_axis_is_in_the_unit_the_data_calls_for(median: timedelta, unit: str) -> None:
    axes = _axes(weekly([median / 2, median, None, median / 3]))

    assert axes.get_ylabel() == f"median lead time ({unit})"
    # The longest bar reads as a number of that unit, not a tiny fraction of a larger one.
    tallest = max(bar.get_height() for bar in axes.patches)
    assert 2 <= tallest < 120


def test_a_seconds_long_median_no_longer_reads_as_thousandths_of_an_hour() -> None:
    axes = _axes(weekly([timedelta(seconds=5.9), timedelta(seconds=3)]))

    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert axes.get_ylabel() == "median lead time (seconds)"
    assert labels == ["0", "2", "4", "6", "8"]


@pytest.mark.parametrize("median", [timedelta(seconds=0.4), timedelta(seconds=7), timedelta(minutes=97)])
def test_tick_labels_have_at_most_two_decimals(median: timedelta) -> None:
    axes = _axes(weekly([median, median * 0.37, median * 0.81]))

    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels
    for label in labels:
        assert re.fullmatch(r"\d+(\.\d{1,2})?", label), label


def test_the_time_axis_is_limited_to_the_window_asked_for() -> None:
    # Eight weeks of trend, a 30-day window starting on a Wednesday inside the fourth week.
    trend = weekly([timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 7, 8)])
    window = Window(MONDAY + timedelta(weeks=3, days=2), MONDAY + timedelta(weeks=3, days=32))
    axes = _axes(trend, window)

    low, high = (dates.num2date(x) for x in axes.get_xlim())
    assert (low, high) == (window.since, window.until)
    # Every bar lies inside the window; the weeks before it are not drawn.
    for bar in axes.patches:
        assert low <= dates.num2date(bar.get_x()) and dates.num2date(bar.get_x() + bar.get_width()) <= high
    assert len(axes.patches) == 5  # the clipped fourth week, then weeks five to eight
    assert [t.get_text() for t in axes.get_xticklabels()][0] == "30 Sep"


def test_a_report_window_limits_the_chart_of_its_longer_trend() -> None:
    report = build_report(history(), WINDOW)
    axes = _axes(list(report.trend), report.window)

    assert tuple(dates.num2date(x) for x in axes.get_xlim()) == (WINDOW.since, WINDOW.until)
    assert len(report.trend) > len(axes.patches)


def test_units_and_labels_chosen_directly() -> None:
    assert lead_time_unit([]) == ("seconds", 1, "s")
    assert lead_time_unit([timedelta(seconds=119)]) == ("seconds", 1, "s")
    assert lead_time_unit([timedelta(seconds=120)]) == ("minutes", 60, "min")
    assert lead_time_unit([timedelta(hours=1)]) == ("minutes", 60, "min")
    assert lead_time_unit([timedelta(hours=2)]) == ("hours", 3600, "h")
    assert [tick_label(v) for v in (0.0, 0.5, 1.25, 12.0, 0.3333)] == ["0", "0.5", "1.25", "12", "0.33"]


def test_an_empty_trend_is_still_a_png() -> None:
    assert render_chart([], "trend").startswith(b"\x89PNG\r\n\x1a\n")
