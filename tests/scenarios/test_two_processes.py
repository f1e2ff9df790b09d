"""Two bot processes, one PostgreSQL database: every scheduled slot runs exactly once.

Two real Python processes each build a real `Schedules` on the same database (migrating it at the
same moment, too), register the same job and then, released together, walk the same day of
ten-minute slots as fast as they can, racing for every slot. Afterwards both come back from four
days "down": the missed slots are coalesced into one run, by one of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 23, 9, 1, tzinfo=UTC)
SLOTS = 24 * 6  # a day of "*/10 * * * *"

CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timedelta
    from pathlib import Path

    import psycopg

    from bot.clock import ManualClock
    from bot.schedules import Schedules
    from bot.store import Store

    url, dsn, name, gate, start, slots = sys.argv[1:7]
    start = datetime.fromisoformat(start)
    store = Store.from_url(url)  # both processes migrate the fresh database at once
    clock = ManualClock(start)

    def job(now):
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("INSERT INTO job_runs (process, at) VALUES (%s, %s)", (name, now))

    schedules = Schedules(store, clock, {"tick": "*/10 * * * *"}, tick_seconds=None, owner=name)
    schedules.register("tick", job)
    Path(gate + "." + name).touch()
    while not Path(gate).exists():
        time.sleep(0.01)
    outcomes = []
    for step in range(1, int(slots) + 1):
        now = clock.advance(timedelta(minutes=10))
        outcomes += [run.outcome for run in schedules.run_due(now)]
    back = clock.advance(timedelta(days=4))
    Path(gate + "." + name + ".day").touch()
    while not Path(gate + ".back").exists():
        time.sleep(0.01)
    late = schedules.run_due(back)
    print(outcomes.count("succeeded"), outcomes.count("claimed_elsewhere"), [r.outcome for r in late])
    store.dispose()
    """
)


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[tuple[str, str]]:
    name = f"pb_two_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(postgres_server.dsn(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE job_runs (process text NOT NULL, at timestamptz NOT NULL)")
    try:
        yield postgres_server.sqlalchemy_url(name), postgres_server.dsn(name)
    finally:
        with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_processes_on_one_database_run_every_slot_exactly_once(
    database: tuple[str, str], tmp_path: Path
) -> None:
    url, dsn = database
    gate = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, dsn, name, str(gate), START.isoformat(), str(SLOTS)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("bot-a", "bot-b")
    ]
    try:
        _wait_for(lambda: all(Path(f"{gate}.{n}").exists() for n in ("bot-a", "bot-b")), children)
        gate.touch()  # release both at once: they race for every slot
        _wait_for(lambda: all(Path(f"{gate}.{n}.day").exists() for n in ("bot-a", "bot-b")), children)
        Path(f"{gate}.back").touch()
        results = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            child.kill() if child.poll() is None else None
    for child, (_, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err[-3000:]

    with psycopg.connect(dsn) as conn:
        claims = conn.execute(
            "SELECT slot_at, owner, outcome FROM schedule_claims WHERE job_id = 'tick' ORDER BY slot_at"
        ).fetchall()
        runs = conn.execute("SELECT process, at FROM job_runs ORDER BY at").fetchall()
    day_slots = [START.replace(minute=10) + timedelta(minutes=10 * i) for i in range(SLOTS)]
    back_slot = START + timedelta(minutes=10 * SLOTS, days=4) - timedelta(minutes=1)
    assert [c[0] for c in claims] == [*day_slots, back_slot]  # each slot claimed once, none missing
    assert {c[2] for c in claims} == {"succeeded"}
    assert len(runs) == len(claims)  # and run once: no process ran a slot it did not claim
    assert sorted(p for p, _ in runs) == sorted(c[1] for c in claims)

    printed = [out.split() for out, _ in results]
    succeeded = [int(words[0]) for words in printed]
    lost = [int(words[1]) for words in printed]
    assert sum(succeeded) == SLOTS and all(n > 0 for n in succeeded), printed  # both took part
    assert sum(lost) <= SLOTS
    # Four days of missed slots: one coalesced run, by whichever process claimed it first.
    late = sorted(" ".join(words[2:]) for words in printed)
    assert late in (["['claimed_elsewhere']", "['succeeded']"], ["[]", "['succeeded']"]), late


def _wait_for(done: object, children: list[subprocess.Popen[str]], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        for child in children:
            if child.poll() is not None:
                _, err = child.communicate()
                raise AssertionError(f"a bot process exited early: {err[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("the bot processes did not get ready in time")
        time.sleep(0.02)
