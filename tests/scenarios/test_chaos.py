"""Chaos: two `platformbot serve` replicas and two `platformbot worker`s on loopback, a Temporal dev
server, one PostgreSQL server holding the bot's database and the Pulumi state, the emulator in
front. A dozen allowed requests (services and PostgreSQL databases) go in, then replicas and
workers are SIGKILLed at random moments (mostly while an apply runs) and started again.

Then, from the database and the emulator: every request ended (nothing left applying or planning);
no two runs on one stack overlapped; no request applied twice; every state change is a transition
of the table, from the state before; a resumed attempt's fencing token is above the one before;
each thread's root shows the state the database has and the requester was told the outcome once.
The counts are printed. Bounded: the chaos stops after KILLS kills, the wait after WAIT_SECONDS.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml
from sqlmodel import select

from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace
from bot.slack.request_views import STATE_LABELS
from bot.store import AuditEventRow, RequestRow, RunRow, Store
from bot.workflow import RequestState
from bot.workflow import transitions as T
from bot.workflow.model import format_request_id
from tests.scenarios.test_restart import BotProcess, _descendants
from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import scenario_config
from tests.support.temporal import dev_server, unique_task_queue

pytestmark = [pytest.mark.postgres, pytest.mark.engine]

REPO = Path(__file__).resolve().parents[2]
SERVICES = 8
DATABASES = 4
KILLS = 8
WAIT_SECONDS = 180
ENDED = {RequestState.SUCCEEDED, RequestState.FAILED, RequestState.DENIED, RequestState.CANCELLED}
# Every (event, from, to) the transition table allows.
ALLOWED = {
    (t.event, source.value, t.target.value)
    for t in vars(T).values()
    if isinstance(t, T.Transition)
    for source in t.sources
}


class WorkerProcess:
    """`python -m bot worker` in a process group of its own (SIGKILL takes its Pulumi CLI too)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker", "--concurrency", "2"],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        tree = _descendants(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


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


def _rows(store: Store) -> tuple[list[RequestRow], list[RunRow], list[AuditEventRow]]:
    with store.read() as session:
        requests = list(session.exec(select(RequestRow).order_by(RequestRow.id)))  # type: ignore[arg-type]
        runs = list(session.exec(select(RunRow).order_by(RunRow.id)))  # type: ignore[arg-type]
        audit = list(session.exec(select(AuditEventRow).order_by(AuditEventRow.id)))  # type: ignore[arg-type]
    return requests, runs, audit


def test_requests_survive_replicas_and_workers_killed_at_random(
    tmp_path: Path,
    postgres_server: PostgresServer,
    bot_database: str,
    state_database: str,
) -> None:
    pulumi_bin_dir = require_pulumi_cli()
    temporal = dev_server()
    settings = scenario_config(pulumi_bin_dir).model_dump(mode="json")
    settings.update(
        schedules={name: "" for name in ("drift", "feedback", "reminders", "expiry", "digest")},
        executor="temporal",
        temporal={
            "address": temporal.address,
            "task_queue": unique_task_queue("chaos"),
            "heartbeat_timeout_seconds": 3,
            "max_attempts": 20,
        },
        leases={"ttl_seconds": 6, "renew_seconds": 2},
        server={"inflight_grace_seconds": 1, "shutdown_grace_seconds": 5},
    )
    state_url = postgres_server.dsn(state_database).replace("postgresql://", "postgres://", 1)
    settings["pulumi"]["backend_url"] = f"{state_url}?sslmode=disable"
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(settings))
    database_url = postgres_server.sqlalchemy_url(bot_database)
    log = tmp_path / "processes.log"
    rng = random.Random(1313)
    tag = uuid.uuid4().hex[:6]
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
        # The first replica migrates the database before the others start.
        replicas = [BotProcess(env, log)]
        replicas[0].wait_ready(slack)
        replicas.append(BotProcess(env, log))
        workers = [WorkerProcess(env, log), WorkerProcess(env, log)]
        store = Store.from_url(database_url)
        kills: Counter[str] = Counter()
        try:
            replicas[1].wait_ready(slack)
            texts = [
                f"request service name=cs{tag}{i} team=payments language=go owners=U0REQ env=dev"
                for i in range(SERVICES)
            ]
            texts += [f"request postgres-database cd{tag}{i} env=dev" for i in range(DATABASES)]
            rng.shuffle(texts)
            for i, text in enumerate(texts):
                replica = replicas[i % len(replicas)]
                SlackDriver(slack, replica.url, signing_secret=env["SLACK_SIGNING_SECRET"]).slash_command(
                    text, user="U0REQ"
                )

            for _ in range(KILLS):
                # Mostly while an apply runs: wait a little for one, then strike.
                deadline = time.monotonic() + rng.uniform(2, 8)
                while time.monotonic() < deadline:
                    requests, _, _ = _rows(store)
                    if any(r.state == RequestState.APPLYING for r in requests) and rng.random() < 0.3:
                        break
                    time.sleep(0.3)
                kind = rng.choice(["worker", "worker", "replica"])
                if kind == "worker":
                    at = rng.randrange(len(workers))
                    workers[at].kill()
                    workers[at] = WorkerProcess(env, log)
                else:
                    at = rng.randrange(len(replicas))
                    replicas[at].kill()
                    replicas[at].stop()
                    replicas[at] = BotProcess(env, log)
                    replicas[at].wait_ready(slack)
                kills[kind] += 1

            def all_ended() -> bool | None:
                requests, _, _ = _rows(store)
                done = len(requests) == len(texts) and all(RequestState(r.state) in ENDED for r in requests)
                return done or None

            try:
                slack.wait_for(all_ended, timeout=WAIT_SECONDS)
            except Exception:
                requests, _, _ = _rows(store)
                states = Counter(r.state for r in requests)
                pytest.fail(f"not all ended: {dict(states)}; log:\n{log.read_text(errors='replace')[-6000:]}")
            requests, runs, audit = _rows(store)
            # The roots and outcome notices follow the state change a moment later.
            for request in requests:
                label = STATE_LABELS[RequestState(request.state)]

                def root_shows(request: RequestRow = request, label: str = label) -> bool | None:
                    if request.thread_ts is None:
                        return None
                    thread = slack.thread(request.channel, request.thread_ts)
                    return (bool(thread) and f"state {label}" in thread[0].all_text.replace("*", "")) or None

                slack.wait_for(root_shows, timeout=30)
        finally:
            for replica in replicas:
                replica.stop()
            for worker in workers:
                worker.stop()
            store.dispose()

        states = Counter(r.state for r in requests)
        resumed = [e for e in audit if e.event == "request.resumed"]
        print(
            f"\nchaos: {len(requests)} requests {dict(states)}; kills {dict(kills)}; "
            f"{len(resumed)} resumes; {sum(r.kind != 'preview' for r in runs)} apply runs"
        )
        assert len(requests) == len(texts)
        by_id = {r.id: r for r in requests}

        # No two runs on one stack overlapped (an interrupted run ends where its resume starts).
        applies = sorted((r for r in runs if r.kind in ("up", "destroy")), key=lambda r: r.started_at)
        for stack in {r.stack_name for r in requests}:
            mine = [r for r in applies if by_id[r.request_id].stack_name == stack]
            for run, next_run in zip(mine, mine[1:], strict=False):
                assert run.finished_at is not None and run.finished_at <= next_run.started_at, stack
        # Nobody's request applied twice.
        succeeded_runs = Counter(r.request_id for r in applies if r.outcome == "succeeded")
        assert max(succeeded_runs.values(), default=0) <= 1, succeeded_runs
        assert all(r.outcome != "running" for r in applies)

        for request in requests:
            events = [e for e in audit if e.request_id == request.id]
            # A record (stack.busy, request.resumed) keeps the state; a change must be in the table.
            changes = [e for e in events if e.from_state not in (None, e.to_state) and e.to_state is not None]
            for event in changes:
                assert (event.event, event.from_state, event.to_state) in ALLOWED, event
            chain = [e for e in events if e.to_state is not None]
            for before, after in zip(chain, chain[1:], strict=False):
                assert after.from_state == before.to_state, (request.id, before.event, after.event)
            assert chain and chain[-1].to_state == request.state
            assert [e.event for e in events].count("request.succeeded") <= 1
            tokens = [int(e.detail["fencing_token"]) for e in events if e.event == "request.resumed"]
            assert tokens == sorted(set(tokens)), (request.id, tokens)

            # Told once: one outcome notice in the thread, and it is the state the database has.
            assert request.thread_ts is not None
            thread = [m.all_text for m in slack.thread(request.channel, request.thread_ts)]
            number = format_request_id(request.id or 0)
            told_succeeded = sum(f"{number} succeeded" in text for text in thread[1:])
            told_failed = sum(f"{number} failed." in text for text in thread[1:])
            if request.state == RequestState.SUCCEEDED:
                assert (told_succeeded, told_failed) == (1, 0), (number, thread)
            elif request.state == RequestState.FAILED:
                assert (told_succeeded, told_failed) == (0, 1), (number, thread)
