"""Drift check-ins: every stack a succeeded request built is compared with its live state.

The sweep asks the engine (`Runner.drift`, a refresh preview that changes nothing) for each
target at most `concurrency` at a time, then records what it saw (bot.drift.findings) and
posts only news: a new or different drift, a snooze that ran out, a follow-up that did not fix it,
a drift that went away. Failing checks raise one alert in the platform channel, not one message
per stack per run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from bot.clock import Clock
from bot.drift.errors import DriftError
from bot.drift.findings import Finding, FindingStore, Observation
from bot.drift.ports import CheckFailure, DriftNotifier, DriftRunner
from bot.schedules.alerts import Alerts
from bot.store import RequestRow, Store, repository
from bot.workflow import Request, RequestState, format_request_id, parse_request_id
from bot.workflow.safe_notifier import safely
from provisioners.errors import ProvisionerError, StackBusy
from provisioners.plan import DriftReport

log = logging.getLogger("bot.drift.checker")

ALERT_KEY = "drift-check"
GENERIC_FAILURE = "the check failed in an unexpected way; the bot's log has the details"


@dataclass(frozen=True)
class DriftSweep:
    """What one sweep did: stacks checked, findings posted or closed, checks that failed or waited."""

    checked: tuple[str, ...] = ()
    drifting: tuple[Finding, ...] = ()
    posted: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    failures: tuple[CheckFailure, ...] = ()
    # Stacks an apply held at the time: checked next time rather than compared mid-change.
    busy: tuple[str, ...] = ()


class SafeDriftNotifier:
    """The drift notifier as the check-ins and the buttons call it: a failure is logged and
    swallowed (the finding is committed already), never raised.

    `drift_found` says where it posted, or None when the post failed, so the next sweep posts it
    again; a notifier that posted without saying where gives (None, None).
    """

    def __init__(self, notifier: DriftNotifier) -> None:
        self._notifier = notifier

    def drift_found(
        self, finding: Finding, request: Request, note: str | None
    ) -> tuple[str, str] | tuple[None, None] | None:
        try:
            posted = self._notifier.drift_found(finding, request, note)
        except Exception:
            log.exception("notifier %s failed", self._notifier.drift_found.__qualname__)
            return None
        return (None, None) if posted is None else posted

    def drift_resolved(self, finding: Finding, request: Request) -> None:
        safely(log, self._notifier.drift_resolved, finding, request)

    def follow_up_opened(self, finding: Finding, request: Request, follow_up: Request, actor: str) -> None:
        safely(log, self._notifier.follow_up_opened, finding, request, follow_up, actor)

    def accept_refused(self, finding: Finding, request: Request, reasons: Sequence[str], actor: str) -> None:
        safely(log, self._notifier.accept_refused, finding, request, reasons, actor)

    def snoozed(self, finding: Finding, request: Request, actor: str) -> None:
        safely(log, self._notifier.snoozed, finding, request, actor)

    def drift_checks_failing(self, failures: Sequence[CheckFailure]) -> None:
        safely(log, self._notifier.drift_checks_failing, failures)

    def drift_checks_recovered(self) -> None:
        safely(log, self._notifier.drift_checks_recovered)


@dataclass(frozen=True)
class _Checked:
    request: Request
    report: DriftReport | None = None
    failure: CheckFailure | None = None
    busy: bool = False


class DriftChecker:
    def __init__(
        self,
        *,
        store: Store,
        runner: DriftRunner,
        notifier: DriftNotifier,
        clock: Clock,
        concurrency: int = 4,
    ) -> None:
        self._store = store
        self._runner = runner
        self._notifier = SafeDriftNotifier(notifier)
        self._clock = clock
        self._concurrency = max(1, concurrency)
        self.findings = FindingStore(store)
        self._alerts = Alerts(store)

    # Targets ------------------------------------------------------------------------------------

    def targets(self, request_id: str | None = None) -> list[Request]:
        """The latest succeeded apply per stack whose resources were not destroyed since; with
        `request_id`, only the stack that request built (or raise why there is nothing to check)."""
        with self._store.read() as session:
            rows = session.exec(
                select(RequestRow)
                .where(RequestRow.state == RequestState.SUCCEEDED)
                .order_by(col(RequestRow.id))
            ).all()
            wanted = (
                None if request_id is None else repository.get_request(session, parse_request_id(request_id))
            )
        latest: dict[str, RequestRow] = {}
        for row in rows:  # in id order: a later row on the same stack replaces an earlier one
            latest[row.stack_name] = row
        live = {
            stack: row for stack, row in latest.items() if row.action == "apply" and row.destroyed_at is None
        }
        if wanted is None and request_id is not None:
            raise DriftError(f"There is no request {request_id.strip()[:40]}.")
        if wanted is not None:
            target = live.get(wanted.stack_name)
            if target is None:
                name = format_request_id(wanted.id or 0)
                raise DriftError(f"{name} has nothing live to check: nothing it built is there now.")
            return [Request.from_row(target)]
        return [Request.from_row(row) for _, row in sorted(live.items())]

    # The sweep ----------------------------------------------------------------------------------

    def sweep(self, now: datetime | None = None, request_id: str | None = None) -> DriftSweep:
        targets = self.targets(request_id)
        checked = self._check_all(targets)
        at = now or self._clock.now()
        drifting: list[Finding] = []
        posted: list[Finding] = []
        resolved: list[Finding] = []
        for result in checked:
            if result.report is None:
                continue
            observation = self.findings.observe(result.request.number, result.report, at)
            if observation is None:
                continue
            if observation.finding.is_open:
                drifting.append(observation.finding)
            if self._publish(observation, at):
                (resolved if observation.kind == "resolved" else posted).append(observation.finding)
        failures = tuple(r.failure for r in checked if r.failure is not None)
        self._report_failures(failures, at, full_sweep=request_id is None)
        return DriftSweep(
            checked=tuple(r.request.stack_name for r in checked if r.report is not None),
            drifting=tuple(drifting),
            posted=tuple(posted),
            resolved=tuple(resolved),
            failures=failures,
            busy=tuple(r.request.stack_name for r in checked if r.busy),
        )

    def run(self, now: datetime) -> None:
        """The scheduled job."""
        sweep = self.sweep(now)
        log.info(
            "drift sweep: %d checked, %d drifting, %d posted, %d resolved, %d failed, %d busy",
            len(sweep.checked),
            len(sweep.drifting),
            len(sweep.posted),
            len(sweep.resolved),
            len(sweep.failures),
            len(sweep.busy),
        )

    def _check_all(self, targets: list[Request]) -> list[_Checked]:
        if not targets:
            return []
        with ThreadPoolExecutor(
            max_workers=min(self._concurrency, len(targets)), thread_name_prefix="drift"
        ) as pool:
            return list(pool.map(self._check, targets))

    def _check(self, request: Request) -> _Checked:
        with self._store.read() as session:
            if repository.get_lock(session, request.stack_name) is not None:
                return _Checked(request, busy=True)
        try:
            return _Checked(request, report=self._runner.drift(request.intent))
        except StackBusy:
            return _Checked(request, busy=True)
        except ProvisionerError as exc:
            log.warning("drift check of %s failed: %s", request.stack_name, exc.message)
            return _Checked(request, failure=CheckFailure(request.stack_name, request.id, exc.message))
        except Exception:
            log.exception("drift check of %s failed", request.stack_name)
            return _Checked(request, failure=CheckFailure(request.stack_name, request.id, GENERIC_FAILURE))

    # Telling people -----------------------------------------------------------------------------

    def _publish(self, observation: Observation, now: datetime) -> bool:
        finding = observation.finding
        if observation.kind == "quiet":
            return False
        request = self._request(finding)
        if observation.kind == "resolved":
            self._notifier.drift_resolved(finding, request)
            return True
        posted = self._notifier.drift_found(finding, request, observation.note)
        if posted is None:
            return False  # not marked reported: the next sweep posts it again
        channel, ts = posted
        self.findings.mark_reported(finding.id, channel, ts, now)
        return True

    def _report_failures(
        self, failures: tuple[CheckFailure, ...], now: datetime, *, full_sweep: bool
    ) -> None:
        if failures:
            detail = {"failures": [{"stack": f.stack, "message": f.message} for f in failures]}
            if self._alerts.raise_(ALERT_KEY, detail, now):
                self._notifier.drift_checks_failing(failures)
        elif full_sweep and self._alerts.clear(ALERT_KEY, now):
            # Only a full sweep without failures shows the checks work again, not a check of one stack.
            self._notifier.drift_checks_recovered()

    def _request(self, finding: Finding) -> Request:
        with self._store.read() as session:
            row = repository.get_request(session, parse_request_id(finding.request_id))
        assert row is not None  # a foreign key keeps it
        return Request.from_row(row)
