"""Outcome metrics: pure functions over store rows, the report they make, the chart, Prometheus.

    window = Window.last(30, now)
    report = build_report(load_history(store, window), window, known_teams=config.teams)
    png = render_chart(report.trend, "Platform outcomes", report.window)

Each metric's exact definition is the docstring of its function (delivery, satisfaction, drift).
"""

from __future__ import annotations

from bot.metrics.delivery import (
    Adoption,
    ChangeFailureRate,
    FirstProvision,
    adoption,
    approval_wait,
    change_failure_rate,
    lead_time,
    time_to_first_provision,
)
from bot.metrics.drift import DriftFigures, drift
from bot.metrics.report import History, Report, WeekPoint, build_report, load_history, report_for
from bot.metrics.satisfaction import Csat, Nps, ResponseRate, csat, nps, response_rate
from bot.metrics.window import Durations, Window

__all__ = [
    "Adoption",
    "ChangeFailureRate",
    "Csat",
    "DriftFigures",
    "Durations",
    "FirstProvision",
    "History",
    "Nps",
    "Report",
    "ResponseRate",
    "WeekPoint",
    "Window",
    "adoption",
    "approval_wait",
    "build_report",
    "change_failure_rate",
    "csat",
    "drift",
    "lead_time",
    "load_history",
    "nps",
    "report_for",
    "response_rate",
    "time_to_first_provision",
]
