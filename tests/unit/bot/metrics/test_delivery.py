"""Delivery metrics on the hand-built history (tests/support/metrics_history.py) with known answers."""

from __future__ import annotations

from datetime import timedelta

from bot.metrics import (
    Durations,
    adoption,
    approval_wait,
    change_failure_rate,
    lead_time,
    time_to_first_provision,
)
from tests.support.metrics_history import CONFIG_TEAMS, WINDOW, H, events, request, requests, runs


def test_lead_time_is_request_to_success_over_applies_that_finished_in_the_window() -> None:
    # PB-1 2 h, PB-2 5 h, PB-3 7 h, PB-4 1 h, PB-5 24 h, PB-10 3 h; not PB-9 (before), PB-11 (after),
    # PB-6 (failed), PB-7 (a destroy), PB-8 (rejected).
    assert lead_time(requests(), WINDOW) == Durations(6, median=4 * H, p90=24 * H)


def test_lead_time_of_an_empty_history_has_no_figures() -> None:
    assert lead_time([], WINDOW) == Durations(0, None, None)


def test_a_request_finishing_exactly_at_the_window_end_belongs_to_the_next_window() -> None:
    row = request(1, "payments", "service", timedelta(days=27), "succeeded", timedelta(days=1))
    assert row.finished_at == WINDOW.until
    assert lead_time([row], WINDOW).count == 0


def test_approval_wait_sums_every_stretch_in_awaiting_approval_up_to_the_final_approval() -> None:
    # PB-2 waited 4 h; PB-3 waited 1 h, was voided, and waited 2 h more; PB-8 was rejected.
    assert approval_wait(events(), WINDOW) == Durations(2, median=3.5 * H, p90=4 * H)


def test_approval_wait_ignores_requests_approved_outside_the_window() -> None:
    later = type(WINDOW)(WINDOW.until, WINDOW.until + timedelta(days=7))
    assert approval_wait(events(), later).count == 0


def test_time_to_first_provision_runs_from_a_teams_first_request_to_its_first_success() -> None:
    firsts = time_to_first_provision(requests(), WINDOW.until)

    assert {team: f.time_to_first for team, f in firsts.items()} == {
        "data": 24 * H,
        "ops": 1 * H,  # before the window: onboarding is counted over all history
        "payments": 2 * H,
        "search": 7 * H,
        "web": None,  # asked, failed, nothing provisioned yet
    }


def test_adoption_counts_teams_with_a_success_in_the_window_against_all_known_teams() -> None:
    result = adoption(requests(), WINDOW, CONFIG_TEAMS)

    assert result.active_teams == ("data", "payments", "search")
    assert result.known_teams == CONFIG_TEAMS  # billing is configured but never asked
    assert result.share == 0.5
    assert result.requests_per_path == {"postgres-database": 6, "service": 3}
    assert result.succeeded_per_path == {"postgres-database": 4, "service": 3}


def test_adoption_without_configured_teams_uses_the_teams_seen_in_requests() -> None:
    assert adoption(requests(), WINDOW).share == 3 / 5


def test_change_failure_rate_is_failed_over_finished_up_and_destroy_runs_in_the_window() -> None:
    result = change_failure_rate(runs(), WINDOW)

    assert (result.changes, result.failures) == (8, 1)
    assert result.rate == 0.125


def test_change_failure_rate_without_changes_is_unknown_not_zero() -> None:
    assert change_failure_rate([], WINDOW).rate is None
