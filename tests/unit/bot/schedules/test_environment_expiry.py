"""The expiry job across replicas and crashes, on SQLite and PostgreSQL: two processes running it at
the same moment send each warning once and open one destroy; a process that died after asking for
the destroy but before claiming it leaves the same destroy to the next run. The real workflow and
rulebook; the destroy plan is built by hand (the engine's preview is covered by the scenarios)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.clock import ManualClock
from bot.store import AuditEventRow, ResourceRow, Store, repository
from bot.store.expiry import WARN_DAY, WARN_HOUR
from bot.workflow import Request, Workflow
from bot.workflow.expiry import DESTROY_CAUSE, EnvironmentExpiry, ExpiryNotice, destroy_key, on_created
from intents import Catalog, Intent
from provisioners import Plan, ResourceChange
from rulebook import Actor
from tests.support.request_states import OWNER, succeeded


class Told:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def warn(self, notice: ExpiryNotice) -> None:
        self.calls.append(("warn", notice.step))

    def expiry_set(self, request: Request, expires_at: datetime) -> None:
        self.calls.append(("set", expires_at))

    def destroy_asked(self, request: Request, destroy: Request, cause: str) -> None:
        self.calls.append(("destroy", destroy.id))


class HandPlans:
    def preview_destroy(self, intent: Intent) -> Plan:
        change = ResourceChange(
            urn=f"urn:pulumi:{intent.name}::postgres::platformbot:PostgresRole::{intent.name}",
            type="pulumi-python:dynamic/platformbot:PostgresRole",
            name=intent.name,
            op="delete",
        )
        return Plan.build(intent.name, [change])


def _expiring(workflow: Workflow, catalog: Catalog) -> Request:
    intent = catalog.build_intent("postgres-database", {"name": "scratch", "env": "dev", "ttl": "1d"})
    request = succeeded(workflow, intent)
    now = workflow.clock.now()
    with workflow.store.write() as session:
        row = repository.get_request(session, request.number)
        assert row is not None
        repository.resource_changed(session, row, now, (OWNER.team, OWNER.user_id))
        assert on_created(session, row, now) == now + timedelta(days=1)
    return request


def _replica(workflow: Workflow, catalog: Catalog, told: Told) -> EnvironmentExpiry:
    return EnvironmentExpiry(
        store=workflow.store,
        catalog=catalog,
        previewer=HandPlans(),
        notifier=told,
        open_destroy=workflow.request_destroy,
        actor_of=lambda user: Actor(user_id=user, team="payments"),
    )


def _live(store: Store, stack: str) -> ResourceRow:
    with store.read() as session:
        live = repository.get_resource(session, stack)
    assert live is not None
    return live


def test_two_replicas_warn_once_per_step_and_open_one_destroy(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    request = _expiring(workflow, catalog)
    told_a, told_b = Told(), Told()
    a, b = _replica(workflow, catalog, told_a), _replica(workflow, catalog, told_b)
    for moment in (timedelta(minutes=5), timedelta(hours=23, minutes=1), timedelta(hours=1)):
        now = clock.advance(moment)
        a.run(now)
        b.run(now)
    calls = told_a.calls + told_b.calls
    assert [c for c in calls if c[0] == "warn"] == [("warn", WARN_DAY), ("warn", WARN_HOUR)]
    destroys = [c for c in calls if c[0] == "destroy"]
    assert len(destroys) == 1
    opened = workflow.get(destroys[0][1])
    assert opened.action == "destroy" and opened.target_request_id == request.id
    with workflow.store.read() as session:
        events = session.exec(select(AuditEventRow).where(AuditEventRow.event == DESTROY_CAUSE)).all()
    assert sorted(e.request_id or 0 for e in events) == sorted([request.number, opened.number])


def test_a_destroy_asked_by_a_process_that_died_before_claiming_it_is_the_one_the_next_run_takes(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    request = _expiring(workflow, catalog)
    clock.advance(timedelta(days=1, minutes=1))
    live = _live(workflow.store, request.stack_name)
    # What the dead process did before it died: the destroy is asked, its step not yet claimed.
    asked = workflow.request_destroy(request.number, OWNER, None, dedupe_key=destroy_key(live))

    told = Told()
    runs = _replica(workflow, catalog, told).run(clock.now())

    assert [r.destroy for r in runs] == [asked.id]
    assert told.calls == [("destroy", asked.id)]
    assert _live(workflow.store, request.stack_name).expiry_notice == "expired"
    assert _replica(workflow, catalog, told).run(clock.advance(timedelta(minutes=5))) == []
