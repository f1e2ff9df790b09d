from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.metrics import Durations, Window


def test_window_is_half_open() -> None:
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    assert window.since in window
    assert window.until not in window


def test_naive_moments_are_taken_as_utc() -> None:
    window = Window(datetime(2026, 1, 1), datetime(2026, 1, 2))
    assert datetime(2026, 1, 1, 12) in window
    assert window.since.tzinfo is UTC


def test_a_window_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError):
        Window(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


def test_weeks_start_on_monday_and_are_clipped_to_the_window() -> None:
    # Wednesday 2026-11-04 to Wednesday 2026-11-18.
    window = Window(datetime(2026, 11, 4, 12, tzinfo=UTC), datetime(2026, 11, 18, 6, tzinfo=UTC))
    weeks = list(window.weeks())

    assert [w.since.strftime("%a %d") for w in weeks] == ["Wed 04", "Mon 09", "Mon 16"]
    assert weeks[0].since == window.since and weeks[-1].until == window.until
    assert all(a.until == b.since for a, b in zip(weeks, weeks[1:], strict=False))


def test_median_of_an_even_count_is_the_mean_of_the_middle_two_and_p90_is_nearest_rank() -> None:
    hours = [timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    assert Durations.of(hours) == Durations(10, timedelta(hours=5.5), timedelta(hours=9))


def test_one_value_is_its_own_median_and_p90() -> None:
    assert Durations.of([timedelta(minutes=3)]) == Durations(1, timedelta(minutes=3), timedelta(minutes=3))
