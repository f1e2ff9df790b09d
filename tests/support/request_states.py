"""Requests in the states the scheduled work looks at, made through the real workflow (no engine)."""

from __future__ import annotations

from datetime import timedelta

from bot.store import repository
from bot.workflow import Request, Workflow
from intents import Catalog, Intent
from rulebook import Actor

OWNER = Actor(user_id="U_DEV", team="payments")


def postgres_intent(
    catalog: Catalog, name: str = "billing", env: str = "staging", size: str = "small"
) -> Intent:
    return catalog.build_intent("postgres-database", {"name": name, "env": env, "size": size})


def succeeded(workflow: Workflow, intent: Intent, *, action: str = "apply", owner: Actor = OWNER) -> Request:
    """Submitted for real, then marked as applied (as if the engine had run)."""
    request = workflow.submit(intent, owner, "C_REQUESTS")
    now = workflow.clock.now()
    with workflow.store.write() as session:
        assert repository.compare_and_set(
            session, request.number, {"evaluated"}, "succeeded", now, action=action, finished_at=now
        )
    return workflow.get(request.id)


def destroyed(workflow: Workflow, target: Request) -> None:
    now = workflow.clock.now()
    with workflow.store.write() as session:
        repository.update_request(session, target.number, now, destroyed_at=now)


def awaiting(
    workflow: Workflow, intent: Intent, *, expires_in: timedelta, required: dict[str, int]
) -> Request:
    request = workflow.submit(intent, OWNER, "C_REQUESTS")
    now = workflow.clock.now()
    with workflow.store.write() as session:
        assert repository.compare_and_set(
            session,
            request.number,
            {"evaluated"},
            "awaiting_approval",
            now,
            plan_hash="h" * 64,
            planned_at=now,
            required_approvals=required,
            approvals_expire_at=now + expires_in,
        )
    return workflow.get(request.id)
