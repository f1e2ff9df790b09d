from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.clock import ManualClock, SystemClock, as_utc


def test_the_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    assert clock.now() == clock.now()
    assert clock.advance(timedelta(hours=2)) == datetime(2025, 1, 6, 11, 0, tzinfo=UTC)
    clock.set(datetime(2025, 1, 7, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock.now() == datetime(2025, 1, 7, 9, 0, tzinfo=UTC) and clock.now().tzinfo is UTC


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert as_utc(datetime(2025, 1, 6, 9, 0)) == datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_a_manual_clock_tells_the_emulator_seconds_since_the_epoch() -> None:
    clock = ManualClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    clock.advance(timedelta(seconds=2.5))
    assert clock.timestamp() == datetime(2025, 1, 6, 9, 0, 2, 500000, tzinfo=UTC).timestamp()
