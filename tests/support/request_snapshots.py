"""A request snapshot (`Request`) built by hand, for tests that render or post one without running
the workflow: templates, views, notifier texts, instrumentation."""

from __future__ import annotations

from typing import Any

from bot.workflow import Request, RequestState
from intents import Intent
from rulebook import Decision, Stage, Verdict
from tests.support.clock import MONDAY_MORNING

AT = MONDAY_MORNING


def make_request(**overrides: Any) -> Request:
    intent = Intent(path="service", name="demo", env="dev", params={"team": "payments"})
    decision = Decision(verdict=Verdict.ALLOW, stage=Stage.INTENT, rulebook_version="0123456789abcdef")
    values: dict[str, Any] = {
        "id": "PB-1",
        "number": 1,
        "requester": "U0REQ",
        "requester_team": "payments",
        "requester_groups": (),
        "channel": "C0REQUESTS",
        "thread_ts": None,
        "action": "apply",
        "target_request_id": None,
        "path": intent.path,
        "intent": intent,
        "intent_text": "service name=demo env=dev team=payments",
        "stack_name": "service.demo.dev",
        "state": RequestState.APPLYING,
        "intent_decision": decision,
        "plan": None,
        "plan_hash": "f" * 64,
        "plan_decision": None,
        "rulebook_version": decision.rulebook_version,
        "required_approvals": {},
        "approval_round": 1,
        "approvals_expire_at": None,
        "outputs": None,
        "error": None,
        "created_at": AT,
        "updated_at": AT,
        "planned_at": None,
        "approved_at": None,
        "apply_started_at": AT,
        "finished_at": AT,
        "destroyed_at": None,
    }
    values.update(overrides)
    return Request(**values)
