"""The chaos scenario's checks on rows made by hand: what counts as an overlap, a lost or doubled
schedule slot (tests/support/chaos_checks.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import RunRow, ScheduleClaimRow
from tests.support.chaos_checks import overlaps, resume_waits, slot_claims

T0 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def run(number: int, pid: int, start: float, end: float | None, outcome: str = "succeeded") -> RunRow:
    return RunRow(
        request_id=number,
        kind="up",
        outcome=outcome,
        hostname="h",
        pid=pid,
        started_at=T0 + timedelta(seconds=start),
        finished_at=None if end is None else T0 + timedelta(seconds=end),
    )


def claim(slot_minute: int, pid: int, outcome: str = "succeeded") -> ScheduleClaimRow:
    slot = T0 + timedelta(minutes=slot_minute)
    return ScheduleClaimRow(
        job_id="expiry", slot_at=slot, claimed_at=slot, owner=f"h:{pid}:x", outcome=outcome
    )


def test_a_killed_run_ends_at_its_kill_so_its_resume_does_not_overlap_it() -> None:
    # The resume marks the dead run finished when it starts (later than the kill).
    cut, resumed = run(1, 100, 0, 30, "failed"), run(1, 200, 12, 40)
    killed = {100: T0 + timedelta(seconds=10)}

    assert overlaps([cut, resumed], lambda r: "stack", killed) == []
    assert overlaps([cut, resumed], lambda r: "stack", {}) == [(cut, resumed)]
    assert resume_waits([cut, resumed], killed) == [2.0]


def test_a_run_still_open_whose_process_lives_overlaps_the_next() -> None:
    assert len(overlaps([run(1, 100, 0, None, "running"), run(2, 200, 5, 9)], lambda r: "s", {})) == 1


def test_slots_are_each_run_once_and_a_gap_or_a_double_is_named() -> None:
    good = slot_claims([claim(0, 1), claim(1, 2), claim(2, 1)], "expiry", timedelta(minutes=1), {})
    assert (good.slots, good.claimers, good.missing, good.claimed_twice, good.not_run) == (3, 2, (), (), ())

    bad = slot_claims(
        [claim(0, 1), claim(0, 2), claim(2, 1), claim(3, 3, "running"), claim(4, 4, "failed")],
        "expiry",
        timedelta(minutes=1),
        {3: T0 + timedelta(minutes=3, seconds=1)},
    )
    assert bad.claimed_twice == ("20:00:00 x2",) and bad.missing == ("20:01:00",)
    assert bad.cut_short == 1 and bad.not_run == ("20:04:00 failed",)
