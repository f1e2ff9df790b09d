"""The expiry job across replicas and crashes, on SQLite and PostgreSQL: two processes running it at
the same moment send each warning once and open one destroy; a process that died after asking for
the destroy but before claiming it leaves the same destroy to the next run. The real workflow and
rulebook; the destroy plan is built by hand (the engine's preview is covered by the scenarios).
The buttons' side too: an Extend or Keep after the expiry moment is refused (the job's next run
destroys it, however late it comes), and a Keep ask never offers a group only its asker is in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.errors import NotAllowed
from bot.store import AuditEventRow, ResourceRow, Store, repository
from bot.store.expiry import WARN_DAY, WARN_HOUR
from bot.workflow import Request, Workflow
from bot.workflow.expiry import DESTROY_CAUSE, EnvironmentExpiry, ExpiryNotice, destroy_key, on_created
from bot.workflow.expiry_actions import Click, ExpiryActions
from intents import Catalog, Intent
from provisioners import Plan, ResourceChange
from rulebook import Actor, Rulebook
from tests.support.request_states import OWNER, succeeded
from tests.support.workflow import GROUPS, StaticDirectory


class Told:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def warn(self, notice: ExpiryNotice) -> None:
        self.calls.append(("warn", notice.step))

    def expiry_set(self, request: Request, expires_at: datetime) -> None:
        self.calls.append(("set", expires_at))

    def destroy_asked(self, request: Request, destroy: Request, cause: str, seen: datetime) -> None:
        self.calls.append(("destroy", destroy.id))

    def expiry_changed(
        self, request: Request, kind: str, actor: str, expires_at: datetime | None, seen: datetime
    ) -> None:
        self.calls.append((kind, expires_at))

    def keep_asked(self, request: Request, click: Click, asker: str, groups: tuple[str, ...]) -> None:
        self.calls.append(("keep_asked", groups))


class HandPlans:
    def preview_destroy(self, intent: Intent) -> Plan:
        change = ResourceChange(
            urn=f"urn:pulumi:{intent.name}::postgres::platformbot:PostgresRole::{intent.name}",
            type="pulumi-python:dynamic/platformbot:PostgresRole",
            name=intent.name,
            op="delete",
        )
        return Plan.build(intent.name, [change])


def _expiring(workflow: Workflow, catalog: Catalog, env: str = "dev") -> Request:
    intent = catalog.build_intent("postgres-database", {"name": "scratch", "env": env, "ttl": "1d"})
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


def _buttons(
    workflow: Workflow, catalog: Catalog, rulebook: Rulebook, told: Told, payments: set[str]
) -> ExpiryActions:
    groups = {**{k: set(v) for k, v in GROUPS.items()}, "team:payments": payments}
    return ExpiryActions(
        store=workflow.store,
        catalog=catalog,
        rulebook=rulebook,
        directory=StaticDirectory(groups),
        clock=workflow.clock,
        notifier=told,
        open_destroy=workflow.request_destroy,
        actor_of=lambda user: Actor(user_id=user, team="payments"),
        every=timedelta(minutes=1),
    )


def test_an_extend_after_the_expiry_moment_is_refused_and_the_next_run_destroys_it(
    workflow: Workflow, catalog: Catalog, rulebook: Rulebook, clock: ManualClock
) -> None:
    request = _expiring(workflow, catalog)
    expires = _live(workflow.store, request.stack_name).expires_at
    assert expires is not None
    told = Told()
    buttons = _buttons(workflow, catalog, rulebook, told, {OWNER.user_id})
    clock.advance(timedelta(days=1, seconds=20))  # past the moment; the job has not run yet

    # Told to the clicker as a refusal (bot.slack.services.user_errors answers it privately).
    with pytest.raises(NotAllowed) as extend:
        buttons.extend(Click(request.stack_name, request.id, expires), OWNER.user_id)
    with pytest.raises(NotAllowed) as keep:
        buttons.keep(Click(request.stack_name, request.id, expires), OWNER.user_id)

    answer = extend.value.message
    assert "expired at" in answer and "within 1 minute" in answer and "Nothing changed" in answer
    assert "expired at" in keep.value.message
    assert _live(workflow.store, request.stack_name).expires_at == expires
    assert told.calls == []
    runs = _replica(workflow, catalog, told).run(clock.now())
    assert [r.step for r in runs] == ["expired"] and runs[0].destroy is not None


def test_an_extend_before_the_expiry_moment_still_moves_it(
    workflow: Workflow, catalog: Catalog, rulebook: Rulebook, clock: ManualClock
) -> None:
    request = _expiring(workflow, catalog)
    expires = _live(workflow.store, request.stack_name).expires_at
    assert expires is not None
    told = Told()
    clock.advance(timedelta(hours=23, minutes=59))

    answer = _buttons(workflow, catalog, rulebook, told, {OWNER.user_id}).extend(
        Click(request.stack_name, request.id, expires), OWNER.user_id
    )

    assert answer.startswith("Extended by 1d")
    assert _live(workflow.store, request.stack_name).expires_at == expires + timedelta(days=1)
    assert told.calls == [("extended", expires + timedelta(days=1))]


def test_a_keep_ask_offers_no_group_whose_only_member_is_the_asker(
    workflow: Workflow, catalog: Catalog, rulebook: Rulebook, clock: ManualClock
) -> None:
    request = _expiring(workflow, catalog, env="prod")
    expires = _live(workflow.store, request.stack_name).expires_at
    assert expires is not None
    told = Told()
    # Team payments is the asker alone: only security can approve keeping it.
    answer = _buttons(workflow, catalog, rulebook, told, {OWNER.user_id}).keep(
        Click(request.stack_name, request.id, expires), OWNER.user_id
    )

    assert told.calls == [("keep_asked", ("security",))]
    assert "needs an approval from security:" in answer and "team payments" not in answer


def test_a_keep_nobody_but_the_asker_could_approve_is_not_asked_for(
    workflow: Workflow, catalog: Catalog, rulebook: Rulebook, clock: ManualClock
) -> None:
    request = _expiring(workflow, catalog, env="prod")
    expires = _live(workflow.store, request.stack_name).expires_at
    assert expires is not None
    told = Told()
    buttons = _buttons(workflow, catalog, rulebook, told, {OWNER.user_id})
    buttons._directory = StaticDirectory({"team:payments": {OWNER.user_id}, "security": {OWNER.user_id}})

    answer = buttons.keep(Click(request.stack_name, request.id, expires), OWNER.user_id)

    assert told.calls == []
    assert "nobody there but you could give it" in answer and "Nothing changed" in answer
    assert _live(workflow.store, request.stack_name).expires_at == expires
