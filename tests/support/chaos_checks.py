"""What the chaos scenario checks afterwards (tests/scenarios/test_chaos.py), from the bot's
database and the Pulumi state in PostgreSQL.

    pulumi_leftovers   update locks and pending operations left in the PostgreSQL backend
    overlaps           runs on one stack whose times overlap (a killed run ends at its kill)
    slot_claims        the schedule's slot claims: each slot once, none lost, none failed
    resume_waits       from a kill to the next run of the request it cut short
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

from bot.store import RunRow, ScheduleClaimRow

# The Pulumi state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PulumiLeftovers:
    locks: tuple[str, ...]
    # stack checkpoint key -> its pending operations' (type, urn)
    pending: dict[str, tuple[tuple[str, str], ...]]
    stacks: int


def pulumi_leftovers(dsn: str) -> PulumiLeftovers:
    """Update locks (`<db>/.pulumi/locks/...`) and pending operations in the stacks' latest
    checkpoints (`<db>/.pulumi/stacks/<project>/<stack>.json`; the backend keeps each blob as
    `{"data": base64}`)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT key, data FROM pulumi_state").fetchall()
    pending: dict[str, tuple[tuple[str, str], ...]] = {}
    checkpoints = 0
    for key, data in rows:
        if "/.pulumi/stacks/" not in f"/{key}" or not str(key).endswith(".json"):
            continue
        checkpoints += 1
        blob = json.loads(base64.b64decode((data or {}).get("data") or "") or b"{}")
        latest = (blob.get("checkpoint") or {}).get("latest") or {}
        operations = tuple(
            (str(op.get("type")), str((op.get("resource") or {}).get("urn")))
            for op in latest.get("pending_operations") or ()
        )
        if operations:
            pending[str(key)] = operations
    locks = tuple(str(k) for k, _ in rows if "/.pulumi/locks/" in f"/{k}")
    return PulumiLeftovers(locks, pending, checkpoints)


# Runs ----------------------------------------------------------------------------------------


def run_end(run: RunRow, killed_at: dict[int, datetime]) -> datetime | None:
    """When a run stopped: its process's kill if that came first (a resume writes its end later)."""
    kill = killed_at.get(run.pid)
    if kill is not None and kill >= run.started_at and (run.finished_at is None or kill < run.finished_at):
        return kill
    return run.finished_at


def overlaps(
    runs: Iterable[RunRow], stack_of: Callable[[RunRow], str], killed_at: dict[int, datetime]
) -> list[tuple[RunRow, RunRow]]:
    """Consecutive runs on one stack where the first had not stopped when the next began."""
    by_stack: dict[str, list[RunRow]] = defaultdict(list)
    for run in runs:
        by_stack[stack_of(run)].append(run)
    found = []
    for mine in by_stack.values():
        mine.sort(key=lambda r: r.started_at)
        for run, next_run in zip(mine, mine[1:], strict=False):
            end = run_end(run, killed_at)
            if end is None or end > next_run.started_at:
                found.append((run, next_run))
    return found


# Schedule slots ------------------------------------------------------------------------------


def claim_pid(claim: ScheduleClaimRow) -> int:
    """The claiming process's pid: owners are `host:pid:nonce` (bot.schedules.scheduler)."""
    return int(claim.owner.split(":")[1])


@dataclass(frozen=True)
class SlotReport:
    job_id: str
    slots: int
    claimers: int
    # Each a description; all should be empty.
    claimed_twice: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    not_run: tuple[str, ...] = ()
    # Claims whose process was SIGKILLed while it ran the job: the slot was taken, its run cut short.
    cut_short: int = 0


def slot_claims(
    claims: Iterable[ScheduleClaimRow], job_id: str, every: timedelta, killed_at: dict[int, datetime]
) -> SlotReport:
    mine = sorted((c for c in claims if c.job_id == job_id), key=lambda c: c.slot_at)
    seen: dict[datetime, int] = defaultdict(int)
    for claim in mine:
        seen[claim.slot_at] += 1
    twice = tuple(f"{slot:%H:%M:%S} x{n}" for slot, n in seen.items() if n > 1)
    slots = sorted(seen)
    missing = []
    for before, after in zip(slots, slots[1:], strict=False):
        gap = before + every
        while gap < after:
            missing.append(f"{gap:%H:%M:%S}")
            gap += every
    not_run, cut_short = [], 0
    for claim in mine:
        if claim.outcome == "succeeded":
            continue
        kill = killed_at.get(claim_pid(claim))
        if claim.outcome == "running" and kill is not None and kill >= claim.claimed_at:
            cut_short += 1
        else:
            not_run.append(f"{claim.slot_at:%H:%M:%S} {claim.outcome}")
    return SlotReport(
        job_id,
        len(slots),
        len({claim_pid(c) for c in mine}),
        twice,
        tuple(missing),
        tuple(not_run),
        cut_short,
    )


def resume_waits(runs: list[RunRow], killed_at: dict[int, datetime]) -> list[float]:
    """Seconds from the kill of a run's process to the next run of that request: how long a dead
    attempt held things up (a heartbeat timeout, a lease running out, a free worker slot)."""
    waits = []
    for run in runs:
        kill = killed_at.get(run.pid)
        if kill is None or kill < run.started_at or (run.finished_at is not None and run.finished_at < kill):
            continue
        later = [r.started_at for r in runs if r.request_id == run.request_id and r.started_at > kill]
        if later:
            waits.append((min(later) - kill).total_seconds())
    return waits
