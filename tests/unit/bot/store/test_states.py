"""Request states are spelled once: the enum, the table's CHECK constraint and the workflow agree."""

from __future__ import annotations

from bot import workflow
from bot.store import REQUEST_STATES, RequestRow
from bot.store.states import FINAL_STATES, OPEN_STATES, RequestState


def test_the_check_constraint_names_exactly_the_enums_states() -> None:
    assert REQUEST_STATES == tuple(RequestState)
    (check,) = [c for c in RequestRow.__table__.constraints if c.name == "ck_requests_state"]
    assert str(check.sqltext) == "state IN ({})".format(", ".join(f"'{s}'" for s in RequestState))


def test_the_workflow_hands_out_the_stores_states() -> None:
    assert workflow.RequestState is RequestState
    assert workflow.FINAL_STATES is FINAL_STATES and workflow.OPEN_STATES is OPEN_STATES
    assert FINAL_STATES | OPEN_STATES == set(RequestState) and not FINAL_STATES & OPEN_STATES
