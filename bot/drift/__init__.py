"""Drift: every stack a succeeded request built is compared with its live state on a schedule;
a difference becomes a finding with a timeline and three buttons (Reconcile, Accept, Snooze).

    checker = DriftChecker(store=store, runner=runner, notifier=notifier, clock=clock)
    checker.sweep(now)                       # check every live stack, post only news
    DriftActions(...).reconcile(finding_id, user)

The parts: checker.py (the sweep), findings.py (the findings and their states in the store),
actions.py (the buttons), accept.py (live state back to an intent), ports.py (what drift needs
from outside), slack.py (its Slack messages and listeners), feature.py (wiring into the app).
"""

from __future__ import annotations

from bot.drift.checker import DriftChecker, DriftSweep
from bot.drift.errors import DriftError, FindingClosed, FindingNotFound
from bot.drift.findings import Finding, FindingStore
from bot.drift.ports import CheckFailure, DriftNotifier, DriftRunner
from bot.store.states import DRIFT_CLOSED_STATES, DRIFT_OPEN_STATES, DriftState

__all__ = [
    "DRIFT_CLOSED_STATES",
    "DRIFT_OPEN_STATES",
    "CheckFailure",
    "DriftChecker",
    "DriftError",
    "DriftNotifier",
    "DriftRunner",
    "DriftState",
    "DriftSweep",
    "Finding",
    "FindingClosed",
    "FindingNotFound",
    "FindingStore",
]
