"""How late a cron job may notice something that became due: the longest gap between its runs
(what the expiry's messages promise, "within 2 minutes"), plus the tick that finds a slot due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock, SystemClock
from bot.config import AppConfig, Channels, Schedules
from bot.schedules.cron import longest_gap
from bot.schedules.wiring import TICK_SECONDS, job_every

START = datetime(2026, 12, 4, 20, 3, 17, tzinfo=UTC)


def test_the_longest_gap_of_a_cron_is_the_wait_between_its_runs() -> None:
    assert longest_gap("* * * * *", "Europe/Berlin", START) == timedelta(minutes=1)
    assert longest_gap("*/5 * * * *", "Europe/Berlin", START) == timedelta(minutes=5)
    # Uneven: 09:00 and 09:10 every day, so the night's gap is the one that counts.
    assert longest_gap("0,10 9 * * *", "UTC", START, fires=6) == timedelta(hours=23, minutes=50)


def test_a_switched_off_job_has_no_gap() -> None:
    assert longest_gap("", "UTC", START) is None


def test_a_jobs_lateness_adds_the_tick_that_finds_its_slot_except_on_a_test_clock() -> None:
    config = AppConfig(channels=Channels(requests="C1"), schedules=Schedules(expiry="*/5 * * * *"))
    assert job_every(config, "expiry", ManualClock(START)) == timedelta(minutes=5)
    late = job_every(config, "expiry", SystemClock())
    assert late == timedelta(minutes=5, seconds=TICK_SECONDS)
    off = config.model_copy(update={"schedules": Schedules(expiry="")})
    assert job_every(off, "expiry", ManualClock(START)) is None


def test_environments_and_approval_windows_expire_every_minute_by_default() -> None:
    assert Schedules().expiry == "* * * * *"
