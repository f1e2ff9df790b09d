"""Delivery metrics: pure functions over the store's request, run and audit rows.

Nothing here reads the database or the clock; callers pass rows and a `Window`. Only requests
that build something (`action == "apply"`) count towards lead time, first provision and
adoption: a destroy is housekeeping, not a team getting what it asked for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.metrics.window import Durations, Window
from bot.store import AuditEventRow, RequestRow, RunRow

SUCCEEDED = "succeeded"
AWAITING = "awaiting_approval"
APPROVED_EVENT = "request.approved"
PROVISIONING_RUNS = ("up", "destroy")


def _succeeded_applies(requests: Iterable[RequestRow]) -> list[RequestRow]:
    return [r for r in requests if r.action == "apply" and r.state == SUCCEEDED and r.finished_at is not None]


def lead_time(requests: Iterable[RequestRow], window: Window) -> Durations:
    """Lead time: for every apply request that succeeded with `finished_at` inside the window, the
    time from `created_at` (the slash command or form was accepted) to `finished_at` (the apply
    succeeded). Denied, rejected, failed, cancelled and destroy requests are not counted."""
    return Durations.of(
        r.finished_at - r.created_at
        for r in _succeeded_applies(requests)
        if r.finished_at is not None and r.finished_at in window
    )


def approval_wait(events: Iterable[AuditEventRow], window: Window) -> Durations:
    """Approval wait: for every request whose last `request.approved` event (the final approval that
    completed its quorum) falls inside the window, the total time it spent in `awaiting_approval`
    before that event, summed over every stretch (a changed plan that voided approvals starts a
    new stretch). Requests the rulebook allowed outright (`request.auto_approved`) never waited and
    are not counted; nor are requests rejected or expired while waiting."""
    trails: dict[int, list[AuditEventRow]] = {}
    for event in events:
        if event.request_id is not None:
            trails.setdefault(event.request_id, []).append(event)
    waits: list[timedelta] = []
    for trail in trails.values():
        trail.sort(key=lambda e: (e.at, e.id or 0))
        approvals = [i for i, e in enumerate(trail) if e.event == APPROVED_EVENT]
        if not approvals or trail[approvals[-1]].at not in window:
            continue
        waits.append(_time_in_state(trail[: approvals[-1] + 1], AWAITING))
    return Durations.of(waits)


def _time_in_state(trail: Sequence[AuditEventRow], state: str) -> timedelta:
    total = timedelta()
    entered: datetime | None = None
    for event in trail:
        if event.to_state == state and event.from_state != state and entered is None:
            entered = event.at
        elif event.from_state == state and event.to_state != state and entered is not None:
            total += event.at - entered
            entered = None
    return total


@dataclass(frozen=True)
class FirstProvision:
    team: str
    first_request_at: datetime
    # None: the team has asked but nothing of theirs has been provisioned yet.
    first_success_at: datetime | None

    @property
    def time_to_first(self) -> timedelta | None:
        return None if self.first_success_at is None else self.first_success_at - self.first_request_at


def time_to_first_provision(requests: Iterable[RequestRow], until: datetime) -> dict[str, FirstProvision]:
    """Time to first provision, per team: from the team's first request of any kind (`created_at`
    of its earliest request, whatever became of it) to the `finished_at` of its first apply
    request that succeeded, looking at all history before `until` (an onboarding happens once, so
    this is not limited to a window). A team with requests but no success yet has
    `first_success_at = None`. Requests without a team (the requester is in no configured team)
    are left out."""
    firsts: dict[str, datetime] = {}
    successes: dict[str, datetime] = {}
    for r in requests:
        if r.requester_team is None or r.created_at >= until:
            continue
        team = r.requester_team
        firsts[team] = min(firsts.get(team, r.created_at), r.created_at)
        succeeded = r.action == "apply" and r.state == SUCCEEDED and r.finished_at is not None
        if succeeded and r.finished_at is not None and r.finished_at < until:
            successes[team] = min(successes.get(team, r.finished_at), r.finished_at)
    return {team: FirstProvision(team, firsts[team], successes.get(team)) for team in sorted(firsts)}


@dataclass(frozen=True)
class Adoption:
    # Teams with at least one apply request that succeeded inside the window.
    active_teams: tuple[str, ...]
    known_teams: tuple[str, ...]
    # Apply requests created inside the window, per golden path (whatever became of them).
    requests_per_path: Mapping[str, int]
    # Of those, the ones that have succeeded.
    succeeded_per_path: Mapping[str, int]

    @property
    def share(self) -> float | None:
        """Active teams as a fraction of known teams; None when no team is known."""
        return len(self.active_teams) / len(self.known_teams) if self.known_teams else None


def adoption(requests: Iterable[RequestRow], window: Window, known_teams: Iterable[str] = ()) -> Adoption:
    """Golden-path adoption: the active teams are the teams with at least one apply request that
    succeeded with `finished_at` inside the window (so they use at least one golden path); the
    known teams are the configured teams plus every team that made a request before the window
    ended; the share is active ÷ known. Requests per path counts apply requests with `created_at`
    inside the window, in any state, per golden path; succeeded per path counts those of them that
    are `succeeded` now."""
    rows = list(requests)
    active = {
        r.requester_team
        for r in _succeeded_applies(rows)
        if r.requester_team is not None and r.finished_at is not None and r.finished_at in window
    }
    known = set(known_teams) | {
        r.requester_team for r in rows if r.requester_team is not None and r.created_at < window.until
    }
    created = [r for r in rows if r.action == "apply" and r.created_at in window]
    per_path = Counter(r.path for r in created)
    succeeded = Counter(r.path for r in created if r.state == SUCCEEDED)
    return Adoption(
        active_teams=tuple(sorted(active)),
        known_teams=tuple(sorted(known)),
        requests_per_path=dict(sorted(per_path.items())),
        succeeded_per_path=dict(sorted(succeeded.items())),
    )


@dataclass(frozen=True)
class ChangeFailureRate:
    changes: int
    failures: int

    @property
    def rate(self) -> float | None:
        return self.failures / self.changes if self.changes else None


def change_failure_rate(runs: Iterable[RunRow], window: Window) -> ChangeFailureRate:
    """Change failure rate: of the provisioning runs (`up` and `destroy`; previews change nothing)
    that finished inside the window, the fraction whose outcome is `failed`. An apply the bot
    marked failed after a restart counts as failed. Runs still `running` are not counted."""
    finished = [
        run
        for run in runs
        if run.kind in PROVISIONING_RUNS
        and run.outcome in ("succeeded", "failed")
        and run.finished_at is not None
        and run.finished_at in window
    ]
    return ChangeFailureRate(len(finished), sum(1 for run in finished if run.outcome == "failed"))
