"""Chaos: three `platformbot serve` replicas and two `platformbot worker`s on loopback, a Temporal dev
server, one PostgreSQL server holding the bot's database and the Pulumi state, the emulator in
front. Thirty requests: allowed `service` and dev `postgres-database` requests, production
`postgres-database` requests whose approvals are clicked on random replicas (one is never
approved), and destroys of services once they exist. Meanwhile twenty SIGKILLs hit random replicas
and workers at random moments, several aimed at the process running an apply, each restarted.

Then, from the database, the emulator and the Pulumi state: every request is terminal (or awaits
the approval nobody gave); each requester was told the outcome once; no two runs on one stack
overlapped (a killed run ends at its kill); no Pulumi lock or pending operation is left; every
state change is an audited transition of the table, from the state before; every slot of the
one-minute schedules ran once however many replicas ticked; every created database accepts the
DSN its requester was sent. The counts are printed. Bounded: the whole run has DEADLINE_SECONDS.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import yaml

from bot.devtools.slack_emulator import SlackEmulator, default_workspace
from bot.slack.request_views import STATE_LABELS
from bot.store import AuditEventRow, RequestRow, Store
from bot.workflow import RequestState
from bot.workflow import transitions as T
from bot.workflow.model import format_request_id
from tests.support.chaos import Fleet
from tests.support.chaos_checks import (
    overlaps,
    pulumi_leftovers,
    resume_waits,
    slot_claims,
)
from tests.support.chaos_people import Chaos, Rows, Traffic, read_rows, until
from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import scenario_config
from tests.support.temporal import dev_server, unique_task_queue

pytestmark = [pytest.mark.postgres, pytest.mark.engine]

SERVICES = 16
DEV_DATABASES = 2
PROD_DATABASES = 6  # one of them is never approved
DESTROYS = 6
TOTAL = SERVICES + DEV_DATABASES + PROD_DATABASES + DESTROYS
KILLS = 20
AIMED_AT_APPLIES = 0.5  # the share of kills that wait for an apply and kill the process running it
DEADLINE_SECONDS = 330  # the whole scenario, start-up to checks; the test fails past it
SCHEDULED = ("expiry", "reminders")  # every minute, on all three replicas
REQUESTERS = ("U0REQ", "U0DEV2")
ENDED = {RequestState.SUCCEEDED, RequestState.FAILED, RequestState.DENIED, RequestState.CANCELLED}
# Every (event, from, to) the transition table allows.
ALLOWED = {
    (t.event, source.value, t.target.value)
    for t in vars(T).values()
    if isinstance(t, T.Transition)
    for source in t.sources
}


def _database(server: PostgresServer, prefix: str) -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def bot_database(postgres_server: PostgresServer) -> Iterator[str]:
    yield from _database(postgres_server, "pb_chaos")


@pytest.fixture
def state_database(postgres_server: PostgresServer) -> Iterator[str]:
    yield from _database(postgres_server, "pb_chaos_state")


def test_thirty_requests_survive_twenty_kills_of_replicas_and_workers(
    tmp_path: Path,
    postgres_server: PostgresServer,
    bot_database: str,
    state_database: str,
) -> None:
    started = time.monotonic()
    deadline = started + DEADLINE_SECONDS
    pulumi_bin_dir = require_pulumi_cli()
    temporal = dev_server()
    settings = scenario_config(pulumi_bin_dir).model_dump(mode="json")
    settings.update(
        schedules={
            name: ("* * * * *" if name in SCHEDULED else "")
            for name in ("drift", "feedback", "reminders", "expiry", "digest")
        },
        executor="temporal",
        temporal={
            "address": temporal.address,
            "task_queue": unique_task_queue("chaos"),
            "heartbeat_timeout_seconds": 3,
            "max_attempts": 30,
        },
        leases={"ttl_seconds": 6, "renew_seconds": 2},
        # Production resources are charged to a cost centre; the budget leaves finance out of it.
        budgets={"payments": {"cost_centre": "CC-4711", "monthly_budget": 100000}},
        server={"inflight_grace_seconds": 1, "shutdown_grace_seconds": 5},
    )
    # No pre-created state table: every process starting at once prepares it (the product's
    # provisioners/state_backend.py), as a fleet's first start would.
    state_dsn = postgres_server.dsn(state_database)
    state_url = state_dsn.replace("postgresql://", "postgres://", 1)
    settings["pulumi"]["backend_url"] = f"{state_url}?sslmode=disable"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(settings))
    database_url = postgres_server.sqlalchemy_url(bot_database)
    rng = random.Random(1313)
    tag = uuid.uuid4().hex[:5]
    with SlackEmulator(default_workspace()) as slack:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": slack.workspace.bot_token,
            "SLACK_SIGNING_SECRET": slack.workspace.signing_secret,
            "SLACK_API_URL": slack.base_url,
            "PLATFORMBOT_CONFIG": str(config),
            "DATABASE_URL": database_url,
            "PLATFORMBOT_DATA_DIR": str(tmp_path / "data"),
            "PLATFORMBOT_POSTGRES_ADMIN_DSN": postgres_server.dsn(),
            "PULUMI_CONFIG_PASSPHRASE": "chaos-passphrase",
            "PATH": f"{pulumi_bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        fleet = Fleet(env, tmp_path / "processes.log", random.Random(rng.random()))
        store = Store.from_url(database_url)
        chaos = Chaos(
            fleet, store, random.Random(rng.random()), deadline, kills=KILLS, aimed=AIMED_AT_APPLIES
        )
        try:
            fleet.start(replicas=3, workers=2)
            traffic = Traffic(fleet, slack, store, rng)
            rows = _scenario(traffic, chaos, tag, deadline)
            _wait_for_roots(slack, rows.requests, deadline)
        except BaseException:
            print(f"\nprocess log (tail):\n{fleet.tail()}\n{_diagnosis(read_rows(store))}")
            raise
        finally:
            fleet.stop()
            store.dispose()
        _check(rows, slack, fleet, state_dsn, wall=time.monotonic() - started)


def _scenario(traffic: Traffic, chaos: Chaos, tag: str, deadline: float) -> Rows:
    rng = traffic.rng
    new = [(f"request service name=cs{tag}{i} team=payments language=go owners=U0REQ env=dev", f"cs{tag}{i}")
           for i in range(SERVICES)]  # fmt: skip
    new += [(f"request postgres-database cd{tag}{i} env=dev", f"cd{tag}{i}") for i in range(DEV_DATABASES)]
    new += [(f"request postgres-database cp{tag}{i} env=prod", f"cp{tag}{i}") for i in range(PROD_DATABASES)]
    rng.shuffle(new)
    prod = [name for _, name in new if name.startswith(f"cp{tag}")]
    unapproved = prod[-1]
    chaos.start()
    for text, name in new:
        traffic.request(text, rng.choice(REQUESTERS), name)
        time.sleep(rng.uniform(0.0, 1.0))

    approved: set[int] = set()
    destroyed: set[int] = set()
    while len(approved) < len(prod) - 1 or len(destroyed) < DESTROYS:
        assert chaos.error is None, chaos.error
        assert time.monotonic() < deadline, f"people still acting at the deadline: {approved}, {destroyed}"
        requests = read_rows(traffic.store).requests
        for row in requests:
            asked = row.intent.get("name")
            if row.state == RequestState.AWAITING_APPROVAL and asked in prod and asked != unapproved:
                if row.id not in approved:
                    traffic.approve(row.id or 0, row.required_approvals)
                    approved.add(row.id or 0)
        ready = [
            r for r in requests
            if r.path == "service" and r.action == "apply" and r.state == RequestState.SUCCEEDED
            and r.id not in destroyed
        ]  # fmt: skip
        if ready and len(destroyed) < DESTROYS:
            target = rng.choice(ready)
            traffic.destroy(target)
            destroyed.add(target.id or 0)
        time.sleep(0.5)

    chaos.join(max(deadline - time.monotonic(), 1))
    assert not chaos.is_alive(), "the chaos did not finish before the deadline"
    assert chaos.error is None, chaos.error

    def settled() -> Rows | None:
        rows = read_rows(traffic.store)
        done = len(rows.requests) == TOTAL and all(
            RequestState(r.state) in ENDED
            or (r.intent.get("name") == unapproved and r.state == RequestState.AWAITING_APPROVAL)
            for r in rows.requests
        )
        return rows if done else None

    try:
        return until(settled, deadline, "requests still running at the deadline")
    except TimeoutError:
        states = Counter((r.state, r.path, r.action) for r in read_rows(traffic.store).requests)
        pytest.fail(f"not all ended before the deadline: {dict(states)}")


def _diagnosis(rows: Rows) -> str:
    """Where the requests stand and how long the engine took, for a run that did not finish."""
    states = Counter((r.path, r.intent.get("env"), r.action, r.state) for r in rows.requests)
    spans: dict[str, list[float]] = {}
    for run in rows.runs:
        if run.finished_at is not None:
            spans.setdefault(f"{run.kind}/{run.outcome}", []).append(
                (run.finished_at - run.started_at).total_seconds()
            )
    took = {k: (len(v), round(sum(v) / len(v), 1), round(max(v), 1)) for k, v in spans.items()}
    return f"states {dict(states)}\nruns (count, mean s, max s) {took}"


def _wait_for_roots(slack: SlackEmulator, requests: list[RequestRow], deadline: float) -> None:
    """Each thread's root shows the state the database has (roots follow the change a moment later)."""
    for request in requests:
        label = STATE_LABELS[RequestState(request.state)]

        def root_shows(request: RequestRow = request, label: str = label) -> bool | None:
            if request.thread_ts is None:
                return None
            thread = slack.thread(request.channel, request.thread_ts)
            return (bool(thread) and f"state {label}" in thread[0].all_text.replace("*", "")) or None

        slack.wait_for(root_shows, timeout=max(deadline - time.monotonic(), 5))


def _check(rows: Rows, slack: SlackEmulator, fleet: Fleet, state_dsn: str, wall: float) -> None:
    requests, runs, audit = rows.requests, rows.runs, rows.audit
    by_id = {r.id: r for r in requests}
    killed_at = fleet.killed_at()
    states = Counter(r.state for r in requests)
    kinds = Counter((r.path, r.action, r.intent.get("env")) for r in requests)
    resumed = [e for e in audit if e.event == "request.resumed"]
    kills = Counter(k.kind for k in fleet.kills)
    aimed = sum(k.during_apply for k in fleet.kills)
    leftovers = pulumi_leftovers(state_dsn)
    slots = [slot_claims(rows.claims, job, timedelta(minutes=1), killed_at) for job in SCHEDULED]
    failed = {format_request_id(r.id or 0): r.error for r in requests if r.state == RequestState.FAILED}
    dsns = _dsns_accepted(requests, slack)
    waits = resume_waits(runs, killed_at)
    print(
        f"\nchaos: {len(requests)} requests {dict(states)} by kind {dict(kinds)}; "
        f"kills {dict(kills)} ({aimed} aimed at applies); {len(resumed)} resumes; "
        f"{sum(r.kind != 'preview' for r in runs)} apply/destroy runs, {len(runs)} runs in all; "
        f"slots {[(s.job_id, s.slots, s.claimers, s.cut_short) for s in slots]}; "
        f"pulumi: {leftovers.stacks} stack checkpoints, {len(leftovers.locks)} locks, "
        f"{len(leftovers.pending)} with pending operations; {dsns} DSNs connected; "
        f"after a kill the next run began in {max(waits, default=0):.0f} s at most "
        f"({sum(waits) / max(len(waits), 1):.0f} s mean, {len(waits)} runs cut); wall {wall:.0f} s"
    )
    if failed:
        print(f"chaos: failed requests and why: {failed}")
    assert len(requests) == TOTAL
    assert len(fleet.kills) == KILLS and aimed >= 3, fleet.kills
    assert not failed, failed

    # No two runs on one stack overlapped (a killed run ended at its kill; its resume began later).
    clashes = overlaps(runs, lambda run: by_id[run.request_id].stack_name, killed_at)
    assert not clashes, [(a.id, a.kind, a.pid, b.id, b.kind) for a, b in clashes]
    applies = [r for r in runs if r.kind in ("up", "destroy")]
    succeeded_runs = Counter(r.request_id for r in applies if r.outcome == "succeeded")
    assert max(succeeded_runs.values(), default=0) <= 1, succeeded_runs
    assert all(r.outcome != "running" or r.pid in killed_at for r in runs)

    # Nothing left in the Pulumi state that would block or confuse the next operation.
    live = {
        r.stack_name
        for r in requests
        if r.action == "apply" and r.state == RequestState.SUCCEEDED and r.destroyed_at is None
    }
    assert leftovers.stacks >= len(live) > 0, (leftovers.stacks, len(live))  # the state was read
    assert leftovers.locks == (), leftovers.locks
    assert leftovers.pending == {}, leftovers.pending

    for report in slots:
        assert report.slots >= 2, report  # the run spans several minutes
        assert (report.claimed_twice, report.missing, report.not_run) == ((), (), ()), report

    for request in requests:
        _check_audit(request, [e for e in audit if e.request_id == request.id])
        _check_told_once(request, slack)
    assert dsns == sum(
        1 for r in requests
        if r.path == "postgres-database" and r.state == RequestState.SUCCEEDED and r.destroyed_at is None
    )  # fmt: skip


def _check_audit(request: RequestRow, events: list[AuditEventRow]) -> None:
    """Every state change is an event of the table, from the state before; the last is the state."""
    changes = [e for e in events if e.from_state not in (None, e.to_state) and e.to_state is not None]
    for event in changes:
        assert (event.event, event.from_state, event.to_state) in ALLOWED, event
    chain = [e for e in events if e.to_state is not None]
    assert chain and chain[0].from_state is None, (request.id, [e.event for e in events])
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.from_state == before.to_state, (request.id, before.event, after.event)
    assert chain[-1].to_state == request.state
    assert [e.event for e in events].count("request.succeeded") <= 1
    tokens = [int(e.detail["fencing_token"]) for e in events if e.event == "request.resumed"]
    assert tokens == sorted(set(tokens)), (request.id, tokens)


def _check_told_once(request: RequestRow, slack: SlackEmulator) -> None:
    """One outcome notice in the thread, and it is the state the database has; none while waiting."""
    assert request.thread_ts is not None
    thread = [m.all_text for m in slack.thread(request.channel, request.thread_ts)]
    number = format_request_id(request.id or 0)
    told = (
        sum(f"{number} succeeded" in text for text in thread[1:]),
        sum(f"{number} failed." in text for text in thread[1:]),
    )
    expected = {RequestState.SUCCEEDED: (1, 0), RequestState.FAILED: (0, 1)}.get(
        RequestState(request.state), (0, 0)
    )
    assert told == expected, (number, request.state, thread)


def _dsns_accepted(requests: list[RequestRow], slack: SlackEmulator) -> int:
    """Every live database's DSN, as DMed to its requester, opens that database."""
    accepted = 0
    for request in requests:
        if request.path != "postgres-database" or request.state != RequestState.SUCCEEDED:
            continue
        number = format_request_id(request.id or 0)

        def sent(request: RequestRow = request, number: str = number) -> str | None:
            texts = [m.all_text for m in slack.dms(request.requester)]
            return next((t for t in texts if f"{number}:" in t and "postgresql://" in t), None)

        dm = slack.wait_for(sent, timeout=30)
        dsn = next(w.strip("`") for w in dm.split() if w.strip("`").startswith("postgresql://"))
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            name = f"{request.intent['name']}_{request.intent['env']}".replace("-", "_")
            assert conn.execute("select current_database()").fetchone() == (name,), number
        accepted += 1
    return accepted
