"""Who gets asked what, and when: pure decisions over plain values (no store, no Slack).

- CSAT: a requester is asked about one apply request that succeeded at least `csat_delay` ago
  (and not longer than `csat_delay + CSAT_MAX_AGE` ago: after an outage, or on the first run
  against an old database, nobody is asked about last month's requests).
- NPS: a person who made a request in the last `nps_every` days and has neither been sent an
  NPS poll nor given an NPS score (polls or `/platform feedback`) in that time. Each person runs
  on their own cycle, so one missed job run skips nobody and the polls spread over the days.
  Someone with a request still in flight, or one that succeeded too recently for its CSAT, is
  not asked the NPS yet: it would use up the fatigue allowance the contextual CSAT is waiting for.
- Fatigue cap: nobody gets a poll within `fatigue` of their previous poll, of either kind. A CSAT
  goes first when both are due (it is about something that just happened), and each person gets
  at most one poll per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.config import Feedback

PollKind = Literal["csat", "nps"]
CSAT_SCALE = range(1, 6)
NPS_SCALE = range(0, 11)
CSAT_MAX_AGE = timedelta(days=7)


def scale(kind: str) -> range:
    return CSAT_SCALE if kind == "csat" else NPS_SCALE


@dataclass(frozen=True)
class PollPolicy:
    nps_every: timedelta
    fatigue: timedelta
    csat_delay: timedelta
    csat_max_age: timedelta = CSAT_MAX_AGE

    @classmethod
    def from_config(cls, feedback: Feedback) -> PollPolicy:
        return cls(
            nps_every=timedelta(days=feedback.nps_every_days),
            fatigue=timedelta(days=feedback.fatigue_days),
            csat_delay=timedelta(hours=feedback.csat_delay_hours),
        )


@dataclass(frozen=True)
class Succeeded:
    """A succeeded apply request that has no CSAT poll yet."""

    request_id: int
    requester: str
    path: str
    intent_text: str
    finished_at: datetime


@dataclass(frozen=True)
class PlannedPoll:
    kind: PollKind
    user: str
    request_id: int | None = None
    path: str | None = None
    # What the question is about, for the message (the request's one-line form).
    subject: str = ""


def plan_polls(
    now: datetime,
    policy: PollPolicy,
    *,
    succeeded: Iterable[Succeeded],
    active_users: Iterable[str],
    last_poll_at: Mapping[str, datetime],
    last_nps_at: Mapping[str, datetime],
    awaiting_csat: Iterable[str] = (),
) -> list[PlannedPoll]:
    """The polls to send now. `last_poll_at`: each person's newest poll of any kind;
    `last_nps_at`: each person's newest NPS poll or NPS answer, whichever is later;
    `awaiting_csat`: people with a request in flight or succeeded less than `csat_delay` ago."""

    def rested(user: str) -> bool:
        last = last_poll_at.get(user)
        return last is None or now - last >= policy.fatigue

    planned: list[PlannedPoll] = []
    asked: set[str] = set()
    newest_first = sorted(succeeded, key=lambda s: (s.finished_at, s.request_id), reverse=True)
    for request in newest_first:
        age = now - request.finished_at
        if not policy.csat_delay <= age <= policy.csat_delay + policy.csat_max_age:
            continue
        if request.requester in asked or not rested(request.requester):
            continue
        asked.add(request.requester)
        planned.append(
            PlannedPoll(
                "csat", request.requester, request.request_id, request.path, subject=request.intent_text
            )
        )
    waiting = set(awaiting_csat)
    for user in sorted(set(active_users)):
        if user in asked or user in waiting or not rested(user):
            continue
        last_nps = last_nps_at.get(user)
        if last_nps is not None and now - last_nps < policy.nps_every:
            continue
        asked.add(user)
        planned.append(PlannedPoll("nps", user))
    return planned
