"""Cron jobs that run once per slot however many bot processes share the database.

APScheduler 3 supplies the parts: cron triggers, the `Job` (trigger, coalesce, misfire grace,
next run time) kept in its SQLAlchemyJobStore on the bot's own database, and a BackgroundScheduler
whose only work is a short tick per job. Deciding what is due is `run_due(now)`, not APScheduler's
own loop, for two reasons:

- APScheduler 3 reads the wall clock and does not support several schedulers on one job store
  ("duplicate execution"). `run_due(now)` takes the time as an argument, so tests move a
  ManualClock and call it; production ticks call it with the system clock. One code path.
- Exactly once per slot: before running a job for slot S the process inserts (job, S) into
  `schedule_claims`, which has a unique constraint; the process whose insert loses skips the slot.

A bot that was down finds its jobs' `next_run_time` in the past: every missed slot of a job is
coalesced into one run (for the latest slot), unless that slot is older than the job's misfire
grace, in which case it is recorded as missed and the job waits for its next slot.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, update

from bot.clock import Clock, as_utc
from bot.schedules.cron import cron_trigger
from bot.schedules.errors import UnknownJob
from bot.store import ScheduleClaimRow, Store

log = logging.getLogger("bot.schedules")

JobFn = Callable[[datetime], object]
Outcome = Literal["succeeded", "failed", "claimed_elsewhere", "missed"]
# The textual reference APScheduler stores with each job (it must be importable; see scheduled_job).
_JOB_FUNC = "bot.schedules.scheduler:scheduled_job"
_JOBSTORE_ALIAS = "platformbot"


def scheduled_job(job_id: str) -> None:
    """What the persisted APScheduler jobs name as their function. The job store holds the schedule
    (trigger, next run time); the callable is the one registered in this process, which
    `Schedules.run_due` calls. Nothing attaches the job store to a scheduler loop that would call this."""
    raise RuntimeError(f"job {job_id} is run by Schedules.run_due, not by APScheduler's own loop")


@dataclass(frozen=True)
class JobRun:
    """What `run_due` did with one job. `coalesced` counts the earlier missed slots folded into it."""

    job_id: str
    slot: datetime
    outcome: Outcome
    coalesced: int = 0


@dataclass(frozen=True)
class _Registered:
    job_id: str
    fn: JobFn
    cron: str
    trigger: CronTrigger | None
    misfire_grace: timedelta | None


class Schedules:
    """The bot's scheduled jobs. Build once in the app factory; `start()` begins the ticks.

    schedules.register("feedback", send_polls)      # cron from config.schedules.feedback
    schedules.run_due(clock.now())                  # what a tick does; tests call it with T
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        crons: Mapping[str, str],
        *,
        timezone: str = "UTC",
        tick_seconds: float | None = 30.0,
        owner: str | None = None,
    ) -> None:
        """`crons`: job name -> 5-field cron ('' switches a job off). `tick_seconds`: how often the
        background thread asks what is due; None for no thread (a ManualClock only moves when a test
        moves it, and the test then calls `run_due` itself)."""
        self._store = store
        self._clock = clock
        self._crons = dict(crons)
        self._timezone = timezone
        self._tick_seconds = tick_seconds
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._jobs: dict[str, _Registered] = {}
        self._running: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._scheduler = BackgroundScheduler(timezone=timezone, daemon=True)
        # The table exists already (revision 0003); start() only checks for it and notes the scheduler
        # whose time zone the reconstituted jobs use.
        self._jobstore = SQLAlchemyJobStore(engine=store.engine)
        self._jobstore.start(self._scheduler, _JOBSTORE_ALIAS)
        self._started = False

    # Registration -------------------------------------------------------------------------------

    def register(
        self, job_id: str, fn: JobFn, *, cron: str | None = None, misfire_grace: timedelta | None = None
    ) -> None:
        """Run `fn(now)` on the job's cron (`cron`, else the config's entry for `job_id`).

        `misfire_grace`: a slot missed by more than this is skipped (None: always run once on return).
        An empty cron switches the job off and removes it from the job store.
        """
        expression = (cron if cron is not None else self._crons.get(job_id, "-")).strip()
        if expression == "-":
            raise UnknownJob(job_id)
        trigger = cron_trigger(job_id, expression, self._timezone) if expression else None
        registered = _Registered(job_id, fn, expression, trigger, misfire_grace)
        with self._guard:
            self._jobs[job_id] = registered
            self._running.setdefault(job_id, threading.Lock())
        self._sync(registered)
        if self._started and trigger is not None:
            self._add_tick(job_id)

    @property
    def job_ids(self) -> list[str]:
        with self._guard:
            return [job_id for job_id, job in self._jobs.items() if job.trigger is not None]

    def next_run(self, job_id: str) -> datetime | None:
        job = self._jobstore.lookup_job(job_id)
        return None if job is None or job.next_run_time is None else as_utc(job.next_run_time)

    def _sync(self, registered: _Registered) -> None:
        """Make the job store agree with the config. An unchanged schedule keeps its stored next run
        time even when that is in the past: that is the missed run `run_due` makes up for."""
        job_id, trigger = registered.job_id, registered.trigger
        stored = self._jobstore.lookup_job(job_id)
        if trigger is None:
            if stored is not None:
                try:
                    self._jobstore.remove_job(job_id)
                except JobLookupError:
                    pass  # another process removed it first
            return
        grace = _seconds(registered.misfire_grace)
        if (
            stored is not None
            and repr(stored.trigger) == repr(trigger)
            and stored.misfire_grace_time == grace
        ):
            return
        first = trigger.get_next_fire_time(None, self._clock.now())
        if stored is not None:
            stored.trigger, stored.misfire_grace_time, stored.next_run_time = trigger, grace, first
            self._jobstore.update_job(stored)
            log.info("schedule of %s changed to %r; next run %s", job_id, registered.cron, first)
            return
        job = Job(
            self._scheduler,
            id=job_id,
            func=_JOB_FUNC,
            args=(job_id,),
            kwargs={},
            name=job_id,
            trigger=trigger,
            executor="default",
            misfire_grace_time=grace,
            coalesce=True,
            max_instances=1,
            next_run_time=first,
        )
        try:
            self._jobstore.add_job(job)
        except ConflictingIdError:
            self._sync(registered)  # another process added it between our lookup and insert

    # Running ------------------------------------------------------------------------------------

    def run_due(self, now: datetime, *, only: str | None = None) -> list[JobRun]:
        """Run every job with a slot at or before `now`, once, in this thread; what happened to each."""
        with self._guard:
            jobs = [j for j in self._jobs.values() if j.trigger is not None and only in (None, j.job_id)]
        runs = []
        for registered in jobs:
            run = self._run_job(registered, as_utc(now))
            if run is not None:
                runs.append(run)
        return runs

    def _run_job(self, registered: _Registered, now: datetime) -> JobRun | None:
        job = self._jobstore.lookup_job(registered.job_id)  # fresh: another process may have run it
        if job is None or job.next_run_time is None or job.next_run_time > now:
            return None
        slots = _due_slots(job, now)
        slot = as_utc(slots[-1])
        job.next_run_time = job.trigger.get_next_fire_time(slots[-1], now)
        grace = registered.misfire_grace
        if grace is not None and now - slot > grace:
            self._jobstore.update_job(job)
            log.warning(
                "%s missed its run at %s (%s late); next run %s", job.id, slot, now - slot, job.next_run_time
            )
            return JobRun(registered.job_id, slot, "missed", len(slots) - 1)
        claim = self._claim(registered.job_id, slot, now)
        # Moved on before running, so a run that takes long is not found due again by the next tick.
        # A failure here must not lose the slot this process has just claimed: run it anyway.
        try:
            self._jobstore.update_job(job)
        except Exception:
            log.exception("could not move %s past its slot %s; running it anyway", job.id, slot)
        if claim is None:
            return JobRun(registered.job_id, slot, "claimed_elsewhere", len(slots) - 1)
        outcome: Outcome = "succeeded"
        try:
            registered.fn(now)
        except Exception:
            outcome = "failed"
            log.exception("scheduled job %s (slot %s) failed", registered.job_id, slot)
        finally:
            self._finish(claim, outcome)
        return JobRun(registered.job_id, slot, outcome, len(slots) - 1)

    def _claim(self, job_id: str, slot: datetime, now: datetime) -> int | None:
        """Insert (job, slot); the id if this process won it, None if another one had."""
        values = {
            "job_id": job_id,
            "slot_at": slot,
            "claimed_at": now,
            "owner": self.owner,
            "outcome": "running",
        }
        with self._store.write() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            statement = (
                insert(ScheduleClaimRow)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["job_id", "slot_at"])
                # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
                .returning(col(ScheduleClaimRow.id))
            )
            claimed = session.exec(statement).first()
        return None if claimed is None else int(claimed[0])

    def _finish(self, claim: int, outcome: Outcome) -> None:
        try:
            with self._store.write() as session:
                statement = (
                    update(ScheduleClaimRow)
                    .where(col(ScheduleClaimRow.id) == claim)
                    .values(outcome=outcome, finished_at=self._clock.now())
                )
                session.exec(statement)
        except Exception:
            log.exception("could not record the outcome of schedule claim %s", claim)

    # Ticking ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background ticks (one per job, the first right away: a missed run runs now)."""
        if self._started or self._tick_seconds is None:
            return
        self._started = True
        self._scheduler.start()
        for job_id in self.job_ids:
            self._add_tick(job_id)

    def _add_tick(self, job_id: str) -> None:
        assert self._tick_seconds is not None
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self._tick_seconds),
            args=(job_id,),
            id=f"tick:{job_id}",
            replace_existing=True,
            # APScheduler's own loop runs on the wall clock, whatever clock the jobs are given.
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=2,
            misfire_grace_time=None,
        )

    def _tick(self, job_id: str) -> None:
        running = self._running[job_id]
        if not running.acquire(blocking=False):
            return  # the previous run of this job is still going
        try:
            self.run_due(self._clock.now(), only=job_id)
        except Exception:
            # The database may be down for a moment; the next tick tries again.
            log.exception("tick of %s failed", job_id)
        finally:
            running.release()

    def shutdown(self, wait: bool = True) -> None:
        if self._started:
            self._scheduler.shutdown(wait=wait)
            self._started = False


def _due_slots(job: Job, now: datetime) -> list[datetime]:
    """Every slot from the stored next run time up to `now` (what APScheduler's Job computes)."""
    slots: list[datetime] = []
    slot: datetime | None = job.next_run_time
    while slot is not None and slot <= now:
        slots.append(slot)
        slot = job.trigger.get_next_fire_time(slot, now)
    return slots


def _seconds(grace: timedelta | None) -> int | None:
    return None if grace is None else max(1, int(grace.total_seconds()))
