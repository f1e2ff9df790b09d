"""Drift findings in the database: one open finding per stack, each with its timeline.

Every change to a finding is one write transaction that also appends a timeline event, and the
ones people trigger (snooze, reconcile, accept) are compare-and-set on the state, so a double
click or two bot processes change a finding once.

    open ──snooze──> snoozed ──(7 days pass, still drifting)──> open
    open|snoozed ──Reconcile/Accept──> reconciling ──(request ends, drift still there)──> open
    any open state ──(no drift any more)──> resolved | accepted (closed; `open_key` cleared)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select, update

from bot.drift.errors import FindingClosed, FindingNotFound
from bot.errors import StoreConflict
from bot.store import DriftEventRow, DriftFindingRow, RequestRow, Store
from bot.store.states import DriftState
from bot.workflow import FINAL_STATES, RequestState, format_request_id
from bot.workflow.model import BOT_ACTOR
from provisioners.plan import DriftReport, ResourceChange, hash_changes

FollowUp = Literal["reconcile", "accept"]
# What a drift check did to the stack's finding, which decides what is posted.
ObservationKind = Literal["new", "changed", "still", "resolved", "quiet"]


@dataclass(frozen=True)
class Finding:
    id: int
    request_id: str
    stack_name: str
    state: DriftState
    fingerprint: str
    changes: tuple[ResourceChange, ...]
    summary: str
    detected_at: datetime
    last_seen_at: datetime
    snoozed_until: datetime | None
    follow_up: str | None
    follow_up_request_id: str | None
    closed_at: datetime | None
    channel: str | None
    message_ts: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @classmethod
    def from_row(cls, row: DriftFindingRow) -> Finding:
        assert row.id is not None
        return cls(
            id=row.id,
            request_id=format_request_id(row.request_id),
            stack_name=row.stack_name,
            state=DriftState(row.state),
            fingerprint=row.fingerprint,
            changes=tuple(ResourceChange.model_validate(c) for c in row.changes),
            summary=row.summary,
            detected_at=row.detected_at,
            last_seen_at=row.last_seen_at,
            snoozed_until=row.snoozed_until,
            follow_up=row.follow_up,
            follow_up_request_id=None
            if row.reconcile_request_id is None
            else format_request_id(row.reconcile_request_id),
            closed_at=row.closed_at,
            channel=row.channel,
            message_ts=row.message_ts,
        )


@dataclass(frozen=True)
class FindingEvent:
    at: datetime
    actor: str
    event: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Observation:
    kind: ObservationKind
    finding: Finding
    # Why an open finding is posted again (a snooze ran out, a follow-up request ended).
    note: str | None = None


class FindingStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    # Reading -----------------------------------------------------------------------------------

    def get(self, finding_id: int) -> Finding:
        with self._store.read() as session:
            row = session.get(DriftFindingRow, finding_id)
        if row is None:
            raise FindingNotFound(finding_id)
        return Finding.from_row(row)

    def open_for(self, stack_name: str) -> Finding | None:
        with self._store.read() as session:
            row = _open_row(session, stack_name)
        return None if row is None else Finding.from_row(row)

    def timeline(self, finding_id: int) -> list[FindingEvent]:
        with self._store.read() as session:
            statement = select(DriftEventRow).where(DriftEventRow.finding_id == finding_id)
            rows = session.exec(statement.order_by(col(DriftEventRow.id))).all()
        return [FindingEvent(r.at, r.actor, r.event, dict(r.detail)) for r in rows]

    # What a drift check saw -------------------------------------------------------------------

    def observe(self, request_number: int, report: DriftReport, now: datetime) -> Observation | None:
        """Record one check of a stack; None when there is no drift and no open finding."""
        try:
            with self._store.write() as session:
                return self._observe(session, request_number, report, now)
        except StoreConflict:
            # Another check (the other process, or `/platform drift`) opened it at the same moment.
            return None

    def _observe(
        self, session: Session, request_number: int, report: DriftReport, now: datetime
    ) -> Observation | None:
        row = _open_row(session, report.stack, for_update=True)
        if not report.has_drift:
            return None if row is None else self._close(session, row, now)
        fingerprint = hash_changes(report.changes)
        changes = [c.model_dump(mode="json") for c in report.changes]
        if row is None:
            row = DriftFindingRow(
                request_id=request_number,
                stack_name=report.stack,
                open_key=report.stack,
                state=DriftState.OPEN,
                fingerprint=fingerprint,
                changes=changes,
                summary=report.summary_line(),
                detected_at=now,
                last_seen_at=now,
            )
            session.add(row)
            session.flush()
            _event(session, row, now, "detected", {"fingerprint": fingerprint, "summary": row.summary})
            return Observation("new", Finding.from_row(row))
        assert row.id is not None
        values: dict[str, Any] = {"last_seen_at": now}
        kind: ObservationKind = "quiet"
        note = None
        follow_up = _follow_up_state(session, row)
        if row.fingerprint != fingerprint:
            values |= {"fingerprint": fingerprint, "changes": changes, "summary": report.summary_line()}
            _event(session, row, now, "changed", {"fingerprint": fingerprint, "summary": values["summary"]})
            if follow_up is None or follow_up in FINAL_STATES:
                values |= {"state": DriftState.OPEN, "snoozed_until": None, "follow_up": None}
                kind = "changed"
        elif row.state == DriftState.SNOOZED and row.snoozed_until is not None and row.snoozed_until <= now:
            values |= {"state": DriftState.OPEN, "snoozed_until": None}
            _event(session, row, now, "snooze_ended", {})
            kind, note = "still", "The snooze is over and the drift is still there."
        elif row.state == DriftState.OPEN and row.reported_at is None:
            kind = "still"  # posting it failed last time (Slack down?): try again
        elif row.state == DriftState.RECONCILING and follow_up in FINAL_STATES:
            request = format_request_id(row.reconcile_request_id or 0)
            values |= {"state": DriftState.OPEN, "follow_up": None}
            _event(session, row, now, "follow_up_ended", {"request": request, "state": str(follow_up)})
            kind = "still"
            note = (
                f"{request} was applied, but the live state still differs."
                if follow_up == RequestState.SUCCEEDED
                else f"{request} ended {str(follow_up).replace('_', ' ')}; the drift is still there."
            )
        session.exec(update(DriftFindingRow).where(col(DriftFindingRow.id) == row.id).values(**values))
        session.refresh(row)
        return Observation(kind, Finding.from_row(row), note)

    def _close(self, session: Session, row: DriftFindingRow, now: datetime) -> Observation:
        follow_up = _follow_up_state(session, row)
        accepted = row.follow_up == "accept" and follow_up == RequestState.SUCCEEDED
        state = DriftState.ACCEPTED if accepted else DriftState.RESOLVED
        detail: dict[str, Any] = {"state": state}
        if row.reconcile_request_id is not None and follow_up == RequestState.SUCCEEDED:
            detail["by"] = format_request_id(row.reconcile_request_id)
        _set(session, row, now, state=state, open_key=None, closed_at=now, last_seen_at=now)
        _event(session, row, now, "closed", detail)
        return Observation("resolved", Finding.from_row(row))

    def mark_reported(self, finding_id: int, channel: str | None, ts: str | None, now: datetime) -> None:
        with self._store.write() as session:
            row = _locked(session, finding_id)
            values: dict[str, Any] = {"reported_at": now}
            if ts:
                values |= {"channel": channel, "message_ts": ts}
            _set(session, row, now, **values)
            _event(session, row, now, "reported", {"channel": channel, "ts": ts})

    # What people do ---------------------------------------------------------------------------

    def snooze(self, finding_id: int, actor: str, until: datetime, now: datetime) -> tuple[Finding, bool]:
        values = {"state": DriftState.SNOOZED, "snoozed_until": until}
        return self._move(
            finding_id, {DriftState.OPEN}, actor, now, "snoozed", {"until": until.isoformat()}, values
        )

    def start_follow_up(
        self, finding_id: int, kind: FollowUp, actor: str, now: datetime
    ) -> tuple[Finding, bool]:
        """Take the finding for a Reconcile or Accept: (finding, True) if this call took it."""
        values = {"state": DriftState.RECONCILING, "follow_up": kind, "snoozed_until": None}
        return self._move(
            finding_id, {DriftState.OPEN, DriftState.SNOOZED}, actor, now, f"{kind}_requested", {}, values
        )

    def attach_follow_up(self, finding_id: int, request_number: int, actor: str, now: datetime) -> Finding:
        with self._store.write() as session:
            row = _locked(session, finding_id)
            _set(session, row, now, reconcile_request_id=request_number)
            _event(
                session, row, now, "follow_up_opened", {"request": format_request_id(request_number)}, actor
            )
            return Finding.from_row(row)

    def abandon_follow_up(self, finding_id: int, actor: str, reason: str, now: datetime) -> Finding:
        """The follow-up request could not be opened (or was denied at once): open again."""
        with self._store.write() as session:
            row = _locked(session, finding_id)
            if row.state == DriftState.RECONCILING:
                _set(session, row, now, state=DriftState.OPEN, follow_up=None)
            _event(session, row, now, "follow_up_abandoned", {"reason": reason}, actor)
            return Finding.from_row(row)

    def note(self, finding_id: int, actor: str, event: str, detail: dict[str, Any], now: datetime) -> None:
        with self._store.write() as session:
            _event(session, _locked(session, finding_id), now, event, detail, actor)

    def _move(
        self,
        finding_id: int,
        sources: Collection[str],
        actor: str,
        now: datetime,
        event: str,
        detail: dict[str, Any],
        values: dict[str, Any],
    ) -> tuple[Finding, bool]:
        """Compare-and-set: (finding, moved). A finding in another state is returned unchanged."""
        with self._store.write() as session:
            row = _locked(session, finding_id)
            if row.closed_at is not None:
                raise FindingClosed(finding_id, row.state)
            if row.state not in sources:
                return Finding.from_row(row), False
            _set(session, row, now, **values)
            _event(session, row, now, event, detail, actor)
            return Finding.from_row(row), True


def _open_row(session: Session, stack_name: str, *, for_update: bool = False) -> DriftFindingRow | None:
    statement = select(DriftFindingRow).where(DriftFindingRow.open_key == stack_name)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def _locked(session: Session, finding_id: int) -> DriftFindingRow:
    statement = select(DriftFindingRow).where(DriftFindingRow.id == finding_id).with_for_update()
    row = session.exec(statement).first()
    if row is None:
        raise FindingNotFound(finding_id)
    return row


def _set(session: Session, row: DriftFindingRow, now: datetime, **values: Any) -> None:
    session.exec(update(DriftFindingRow).where(col(DriftFindingRow.id) == row.id).values(**values))
    session.refresh(row)


def _event(
    session: Session,
    row: DriftFindingRow,
    now: datetime,
    event: str,
    detail: dict[str, Any],
    actor: str = BOT_ACTOR,
) -> None:
    assert row.id is not None
    session.add(DriftEventRow(finding_id=row.id, at=now, actor=actor, event=event, detail=detail))
    session.flush()


def _follow_up_state(session: Session, row: DriftFindingRow) -> RequestState | None:
    if row.reconcile_request_id is None:
        return None
    request = session.get(RequestRow, row.reconcile_request_id)
    return None if request is None else RequestState(request.state)
