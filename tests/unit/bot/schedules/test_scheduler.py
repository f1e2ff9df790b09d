from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.schedules import InvalidSchedule, Schedules, UnknownJob
from bot.schedules.cron import cron_trigger, standard_day_of_week
from bot.store import ScheduleClaimRow, Store

MONDAY_0930 = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
HOURLY = {"hourly": "0 * * * *"}


class Calls:
    def __init__(self) -> None:
        self.at: list[datetime] = []

    def __call__(self, now: datetime) -> None:
        self.at.append(now)


def schedules(store: Store, clock: ManualClock, crons: dict[str, str] | None = None) -> Schedules:
    return Schedules(store, clock, crons or HOURLY, tick_seconds=None)


def claims(store: Store) -> list[ScheduleClaimRow]:
    with store.read() as session:
        return list(session.exec(select(ScheduleClaimRow).order_by(ScheduleClaimRow.slot_at)).all())


def test_a_job_runs_once_for_each_slot_the_clock_passes(store: Store) -> None:
    clock, calls = ManualClock(MONDAY_0930), Calls()
    jobs = schedules(store, clock)
    jobs.register("hourly", calls)
    assert jobs.run_due(MONDAY_0930) == []
    ten = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    (run,) = jobs.run_due(ten + timedelta(seconds=5))
    assert (run.job_id, run.slot, run.outcome, run.coalesced) == ("hourly", ten, "succeeded", 0)
    assert jobs.run_due(ten + timedelta(minutes=59)) == []
    assert [r.slot for r in jobs.run_due(ten + timedelta(hours=1))] == [ten + timedelta(hours=1)]
    assert calls.at == [ten + timedelta(seconds=5), ten + timedelta(hours=1)]
    assert [(c.slot_at, c.outcome) for c in claims(store)] == [
        (ten, "succeeded"),
        (ten + timedelta(hours=1), "succeeded"),
    ]


def test_missed_slots_run_once_when_the_bot_comes_back(store: Store) -> None:
    clock, calls = ManualClock(MONDAY_0930), Calls()
    schedules(store, clock).register("hourly", calls)  # this process then "goes down"
    back = MONDAY_0930 + timedelta(days=3, minutes=10)
    clock.set(back)
    restarted = schedules(store, clock)
    restarted.register("hourly", calls)
    (run,) = restarted.run_due(back)
    assert run.outcome == "succeeded"
    assert run.slot == datetime(2025, 1, 9, 9, 0, tzinfo=UTC)  # the latest missed slot stands for all
    assert run.coalesced == 3 * 24 - 1
    assert restarted.run_due(back) == []
    assert calls.at == [back]
    assert restarted.next_run("hourly") == datetime(2025, 1, 9, 10, 0, tzinfo=UTC)


def test_a_slot_missed_by_more_than_the_grace_is_skipped_until_the_next_one(store: Store) -> None:
    clock, calls = ManualClock(MONDAY_0930), Calls()
    jobs = schedules(store, clock, {"daily": "0 9 * * *"})
    jobs.register("daily", calls, misfire_grace=timedelta(hours=1))
    (run,) = jobs.run_due(datetime(2025, 1, 7, 15, 0, tzinfo=UTC))  # six hours after 09:00
    assert (run.outcome, run.slot) == ("missed", datetime(2025, 1, 7, 9, 0, tzinfo=UTC))
    assert calls.at == [] and claims(store) == []
    (run,) = jobs.run_due(datetime(2025, 1, 8, 9, 30, tzinfo=UTC))
    assert run.outcome == "succeeded"


def test_a_slot_claimed_by_another_process_is_skipped_here(store: Store) -> None:
    clock, calls = ManualClock(MONDAY_0930), Calls()
    jobs = schedules(store, clock)
    jobs.register("hourly", calls)
    ten = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    with store.write() as session:
        session.add(ScheduleClaimRow(job_id="hourly", slot_at=ten, claimed_at=ten, owner="other:1"))
    (run,) = jobs.run_due(ten)
    assert run.outcome == "claimed_elsewhere"
    assert calls.at == []
    assert jobs.next_run("hourly") == ten + timedelta(hours=1)


def test_two_schedulers_on_one_database_run_each_slot_once(store: Store) -> None:
    clock, first, second = ManualClock(MONDAY_0930), Calls(), Calls()
    one, two = schedules(store, clock), schedules(store, clock)
    one.register("hourly", first)
    two.register("hourly", second)
    for hour in range(1, 6):
        now = MONDAY_0930 + timedelta(hours=hour)
        one.run_due(now) if hour % 2 else two.run_due(now)
        one.run_due(now)
        two.run_due(now)
    assert len(first.at) + len(second.at) == 5
    assert len(claims(store)) == 5


def test_a_failing_job_is_recorded_and_its_next_slot_still_runs(store: Store) -> None:
    clock = ManualClock(MONDAY_0930)
    attempts: list[datetime] = []

    def flaky(now: datetime) -> None:
        attempts.append(now)
        if len(attempts) == 1:
            raise RuntimeError("the engine fell over")

    jobs = schedules(store, clock)
    jobs.register("hourly", flaky)
    assert [r.outcome for r in jobs.run_due(MONDAY_0930 + timedelta(hours=1))] == ["failed"]
    assert [r.outcome for r in jobs.run_due(MONDAY_0930 + timedelta(hours=2))] == ["succeeded"]
    assert [c.outcome for c in claims(store)] == ["failed", "succeeded"]


def test_a_changed_cron_reschedules_from_now_and_an_empty_one_switches_the_job_off(store: Store) -> None:
    clock, calls = ManualClock(MONDAY_0930), Calls()
    schedules(store, clock).register("hourly", calls)
    clock.set(MONDAY_0930 + timedelta(days=1))
    changed = schedules(store, clock, {"hourly": "15 * * * *"})
    changed.register("hourly", calls)
    assert changed.run_due(clock.now()) == []  # the missed slots belonged to the old schedule
    assert changed.next_run("hourly") == datetime(2025, 1, 7, 10, 15, tzinfo=UTC)
    off = schedules(store, clock, {"hourly": ""})
    off.register("hourly", calls)
    assert off.next_run("hourly") is None and off.job_ids == []
    assert off.run_due(clock.now() + timedelta(days=1)) == []


def test_cron_days_of_the_week_count_from_sunday_like_crontab() -> None:
    assert standard_day_of_week("1") == "mon"
    assert standard_day_of_week("1-5") == "mon,tue,wed,thu,fri"
    assert standard_day_of_week("0,7") == "sun"
    assert standard_day_of_week("5-7") == "sun,fri,sat"
    assert standard_day_of_week("*/3") == "sun,wed,sat"
    assert standard_day_of_week("sat-sun".replace("sat-sun", "sat,sun")) == "sun,sat"
    digest = cron_trigger("digest", "0 9 * * 1", "UTC")
    sunday = datetime(2025, 1, 5, 12, 0, tzinfo=UTC)
    assert digest.get_next_fire_time(None, sunday) == datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_crons_follow_the_configured_time_zone() -> None:
    berlin = cron_trigger("feedback", "0 10 * * *", "Europe/Berlin")
    fire = berlin.get_next_fire_time(None, datetime(2025, 1, 6, 0, 0, tzinfo=UTC))
    assert fire is not None and fire.astimezone(UTC) == datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "reason"), [("0 * * *", "4 fields"), ("61 * * * *", "61"), ("0 9 * * 8", "8")]
)
def test_an_unreadable_cron_is_refused_with_the_job_and_the_expression(cron: str, reason: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        cron_trigger("drift", cron, "UTC")
    assert caught.value.message.startswith(f"schedules.drift: `{cron}` is not a usable cron expression")
    assert reason in caught.value.message


def test_a_job_without_a_cron_in_the_config_is_refused(store: Store) -> None:
    with pytest.raises(UnknownJob):
        schedules(store, ManualClock(MONDAY_0930)).register("nightly", Calls())


def test_the_background_tick_runs_what_is_due_at_the_clock_time(store: Store) -> None:
    clock = ManualClock(MONDAY_0930)
    ran = threading.Event()
    seen: list[datetime] = []

    def job(now: datetime) -> None:
        seen.append(now)
        ran.set()

    jobs = Schedules(store, clock, HOURLY, tick_seconds=0.05)
    jobs.register("hourly", job)
    clock.advance(timedelta(hours=2))
    jobs.start()
    try:
        assert ran.wait(10), "the tick did not run the due job"
    finally:
        jobs.shutdown()
    assert seen == [MONDAY_0930 + timedelta(hours=2)]
    assert [c.slot_at for c in claims(store)] == [datetime(2025, 1, 6, 11, 0, tzinfo=UTC)]
