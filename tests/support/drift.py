"""Doubles for drift's ports: a runner whose drift checks answer what the test scripted, and a
notifier that records what would be posted (bot.drift.ports.DriftRunner and DriftNotifier); the
fixtures `drift_notifier`, `scripted` and `checker` (a conftest imports them by name)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.drift.checker import DriftChecker
from bot.drift.findings import Finding
from bot.store import Store
from bot.workflow import Request
from intents import Intent
from provisioners import DriftReport, ResourceChange, Runner

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"


class ScriptedRunner:
    """Answers `drift(intent)` with what the test put in `answers` for the stack (a report, or an
    exception to raise); an unscripted stack has no drift. Counts calls and the peak in flight."""

    def __init__(self, runner: Runner | None = None, hold: threading.Event | None = None) -> None:
        self.answers: dict[str, DriftReport | Exception] = {}
        self.calls: list[str] = []
        self.peak = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._hold = hold

    def stack_name(self, intent: Intent) -> str:
        return f"{intent.path}.{intent.name}.{intent.env}"

    def drift(self, intent: Intent) -> DriftReport:
        stack = self.stack_name(intent)
        with self._lock:
            self.calls.append(stack)
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
        try:
            if self._hold is not None:
                self._hold.wait(5)
            answer = self.answers.get(stack, DriftReport(stack=stack, checked=2))
            if isinstance(answer, Exception):
                raise answer
            return answer
        finally:
            with self._lock:
                self._in_flight -= 1


class RecordingDriftNotifier:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.fail_next = False
        self._lock = threading.Lock()
        self._ts = 0

    def of(self, method: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.calls if name == method]

    def _record(self, method: str, *args: Any) -> None:
        with self._lock:
            self.calls.append((method, args))

    def drift_found(self, finding: Finding, request: Request, note: str | None) -> tuple[str, str] | None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("slack is down")
        self._record("drift_found", finding, request, note)
        self._ts += 1
        return request.channel, f"1736150400.{self._ts:06d}"

    def drift_resolved(self, finding: Finding, request: Request) -> None:
        self._record("drift_resolved", finding, request)

    def follow_up_opened(self, finding: Finding, request: Request, follow_up: Request, actor: str) -> None:
        self._record("follow_up_opened", finding, request, follow_up, actor)

    def accept_refused(self, finding: Finding, request: Request, reasons: Any, actor: str) -> None:
        self._record("accept_refused", finding, request, tuple(reasons), actor)

    def snoozed(self, finding: Finding, request: Request, actor: str) -> None:
        self._record("snoozed", finding, request, actor)

    def drift_checks_failing(self, failures: Any) -> None:
        self._record("drift_checks_failing", tuple(failures))

    def drift_checks_recovered(self) -> None:
        self._record("drift_checks_recovered")


def role_drift(stack: str, before: int = 10, after: int = 37) -> DriftReport:
    change = ResourceChange(
        urn=f"urn:pulumi:{stack}::postgres-database::{ROLE}::owner",
        type=ROLE,
        name="owner",
        op="update",
        keys=("connection_limit",),
        before={"connection_limit": before},
        after={"connection_limit": after},
        stateful=True,
    )
    return DriftReport(stack=stack, changes=(change,), checked=2)


@pytest.fixture
def drift_notifier() -> RecordingDriftNotifier:
    return RecordingDriftNotifier()


@pytest.fixture
def scripted() -> ScriptedRunner:
    return ScriptedRunner()


@pytest.fixture
def checker(
    store: Store, scripted: ScriptedRunner, drift_notifier: RecordingDriftNotifier, clock: ManualClock
) -> DriftChecker:
    return DriftChecker(store=store, runner=scripted, notifier=drift_notifier, clock=clock, concurrency=2)
