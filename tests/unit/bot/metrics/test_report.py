"""The whole report: from hand-built rows, and the same rows read back through a real store."""

from __future__ import annotations

from bot.metrics import Durations, build_report, load_history
from bot.metrics.chart import render_chart
from bot.metrics.present import figures
from bot.metrics.report import MIN_TREND_WEEKS
from bot.metrics.slack import stats_blocks
from bot.store import Store
from tests.support.databases import store_on_each_backend  # noqa: F401  (the `store` fixture)
from tests.support.metrics_history import CONFIG_TEAMS, WINDOW, H, history, save

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_gathers_every_figure_for_the_window() -> None:
    report = build_report(history(), WINDOW, CONFIG_TEAMS)

    assert report.days == 28
    assert report.lead_time == Durations(6, 4 * H, 24 * H)
    assert report.approval_wait == Durations(2, 3.5 * H, 4 * H)
    assert report.change_failure.rate == 0.125
    assert report.adoption.share == 0.5
    assert report.nps.score == -25
    assert report.csat.score == 60
    assert report.response["all"].rate == 4 / 7
    assert report.drift.detected == 4
    assert report.first_provision["web"].first_success_at is None


def test_the_trend_has_at_least_eight_weeks_with_the_weekly_median_lead_time() -> None:
    report = build_report(history(), WINDOW)

    assert len(report.trend) == MIN_TREND_WEEKS
    assert report.trend[-1].week.until == WINDOW.until
    first_week = next(p for p in report.trend if p.week.since == WINDOW.since)
    # PB-1 2 h, PB-2 5 h, PB-3 7 h, PB-10 3 h finished in the first week.
    assert first_week.lead_time == Durations(4, 4 * H, 7 * H)
    assert first_week.nps.respondents == 4  # U1 (10), U2, U3, U4 answered in week one


def test_history_read_back_from_the_store_gives_the_same_report(store: Store) -> None:
    save(store, history())

    from_store = build_report(load_history(store, WINDOW), WINDOW, CONFIG_TEAMS)

    assert from_store == build_report(history(), WINDOW, CONFIG_TEAMS)


def test_figures_read_as_the_digest_shows_them() -> None:
    shown = {f.label: (f.value, f.detail) for f in figures(build_report(history(), WINDOW, CONFIG_TEAMS))}

    assert shown["Lead time"] == ("4.0 h median · 24.0 h p90", "6 requests")
    assert shown["NPS"] == ("-25", "4 people; promoters 1, detractors 2")
    assert shown["Change failure rate"] == ("12%", "1 of 8 applies failed")
    assert shown["Adoption"] == ("50%", "3 of 6 teams")


def test_stats_blocks_show_paths_teams_and_comments() -> None:
    text = str(stats_blocks(build_report(history(), WINDOW, CONFIG_TEAMS)))

    assert "Platform outcomes, last 28 days" in text
    assert "`postgres-database`: 6 (4 succeeded)" in text
    assert "web: not yet" in text
    assert "Please add Redis" in text


def test_chart_is_a_png_even_without_data() -> None:
    report = build_report(history(), WINDOW)

    for trend in (report.trend, ()):
        png = render_chart(trend, "trend")
        assert png.startswith(PNG_MAGIC) and len(png) > 5_000
