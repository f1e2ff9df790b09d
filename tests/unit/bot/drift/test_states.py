"""Drift states are spelled once: the enum, the table's CHECK constraint and drift agree."""

from __future__ import annotations

from bot import drift
from bot.store import DRIFT_STATES, DriftFindingRow
from bot.store.states import DRIFT_CLOSED_STATES, DRIFT_OPEN_STATES, DriftState


def test_the_check_constraint_names_exactly_the_enums_drift_states() -> None:
    assert DRIFT_STATES == tuple(DriftState)
    (check,) = [c for c in DriftFindingRow.__table__.constraints if c.name == "ck_drift_findings_state"]
    assert str(check.sqltext) == "state IN ({})".format(", ".join(f"'{s}'" for s in DriftState))


def test_every_drift_state_is_open_or_closed_and_drift_hands_out_the_stores_states() -> None:
    assert drift.DriftState is DriftState
    assert DRIFT_OPEN_STATES | DRIFT_CLOSED_STATES == set(DriftState)
    assert not DRIFT_OPEN_STATES & DRIFT_CLOSED_STATES
    assert [s for s in DriftState if s.is_open] == ["open", "snoozed", "reconciling"]
