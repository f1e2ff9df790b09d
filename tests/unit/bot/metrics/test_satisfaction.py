"""NPS, CSAT, poll response rate and drift on the hand-built history."""

from __future__ import annotations

from datetime import timedelta

from bot.metrics import Durations, csat, drift, nps, response_rate
from bot.metrics.satisfaction import comments, scores_by_path
from tests.support.metrics_history import T0, WINDOW, H, answer, answers, findings, polls


def test_nps_counts_each_persons_latest_answer_in_the_window() -> None:
    # U1 10 then 6 (detractor), U2 9 (promoter), U3 7 (passive), U4 3 (detractor); U5 is before the window.
    result = nps(answers(), WINDOW)

    assert (result.respondents, result.promoters, result.detractors) == (4, 1, 2)
    assert result.score == -25


def test_nps_boundaries_are_nine_for_promoters_and_six_for_detractors() -> None:
    rows = [answer("nps", f"U{s}", s, timedelta(hours=1)) for s in (6, 7, 8, 9)]
    result = nps(rows, WINDOW)
    assert (result.promoters, result.detractors, result.score) == (1, 1, 0)


def test_nps_without_answers_is_unknown() -> None:
    assert nps([], WINDOW).score is None


def test_csat_is_the_share_of_four_and_five_among_answers_in_the_window() -> None:
    result = csat(answers(), WINDOW)

    assert (result.answers, result.satisfied) == (5, 3)
    assert result.score == 60
    assert result.mean == 3.6


def test_csat_per_golden_path_uses_the_path_stored_with_the_answer() -> None:
    per_path = scores_by_path(answers(), WINDOW)
    assert {p: c.score for p, c in per_path.items()} == {"postgres-database": 100, "service": 100 / 3}


def test_response_rate_counts_delivered_polls_answered_before_the_window_ends() -> None:
    rates = response_rate(polls(), WINDOW)

    assert (rates["csat"].sent, rates["csat"].answered) == (4, 3)
    assert (rates["nps"].sent, rates["nps"].answered) == (3, 1)
    assert rates["all"].rate == 4 / 7


def test_comments_come_newest_first_and_only_from_the_window() -> None:
    assert comments(answers(), WINDOW) == ["Please add Redis", "Postgres in minutes, lovely"]


def test_drift_counts_detected_open_and_closed_findings_and_time_to_close() -> None:
    result = drift(findings(), WINDOW)

    assert (result.detected, result.open_at_end, result.resolved, result.accepted) == (4, 2, 2, 1)
    # F1 2 h, F4 4 h (accepted), F2 34 h (detected before the window, resolved inside it).
    assert result.time_to_close == Durations(3, median=4 * H, p90=34 * H)


def test_drift_of_an_installation_without_findings_is_all_zero() -> None:
    result = drift([], WINDOW)
    assert (result.detected, result.open_at_end, result.time_to_close.count) == (0, 0, 0)
    assert T0 in WINDOW
