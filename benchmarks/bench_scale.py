"""Scale benchmark: the drift sweep's concurrency, Temporal workers against the in-process executor,
and many requests on one stack. Real parts throughout: the bot (create_app), the Slack emulator,
signed slash commands over HTTP, the Pulumi engine, real git repositories for the `service` golden
path; a Temporal dev server (built by the Makefile) and `python -m bot worker` processes for the
Temporal runs. Every figure is printed as measured, met or not.

1. Drift sweep (in-process): N `service` stacks (default 100) are built, then swept with the
   drift checker at concurrency 1, 2 and 4. Target: wall(c) <= 1.3 x wall(1) / min(c, cores).
   Memory: the peak RSS of the bot and its engine processes during a sweep at concurrency 4 after
   N/4, N/2 and N stacks. Target: flat in the number of stacks (peak(N) <= 1.3 x peak(N/4)).
2. Throughput: R allowed `service` requests (default 40) sent at once, through the in-process
   executor (its 4 threads) and through Temporal with 1 and 2 workers (4 steps each): requests per
   minute, and the overhead ratio in-process rate / Temporal rate. Target: <= 1.2 with 1 worker.
3. One stack: K requests (default 10) on one stack sent at once by one requester. They never run
   at the same time (the run records do not overlap), the ones that ran ran in id order, and every
   request that waited for the stack says so in its thread. A newer request of the same team
   supersedes an older one still waiting (the trust issue's rule), so not every one of the K applies:
   the counts say how many ran and how many were superseded.

    .venv/bin/python benchmarks/bench_scale.py [--stacks 100] [--requests 40] [--same-stack 10]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import yaml
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import PlatformBot, create_app  # noqa: E402
from bot.config import Settings, load_app_config  # noqa: E402
from bot.devtools.slack_emulator import SlackDriver, SlackEmulator, default_workspace  # noqa: E402
from bot.drift import DriftChecker  # noqa: E402
from bot.drift.slack import SlackDriftNotifier  # noqa: E402
from bot.store import RequestRow, RunRow  # noqa: E402
from bot.workflow import RequestState  # noqa: E402
from tests.support.postgres import PostgresServer, running_postgres  # noqa: E402
from tests.support.pulumi import require_pulumi_cli  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1
TERMINAL = {RequestState.SUCCEEDED, RequestState.FAILED, RequestState.CANCELLED, RequestState.DENIED}
USER = "U0REQ"


def _config(pulumi_bin_dir: Path, executor: str, temporal: dict[str, Any] | None) -> dict[str, Any]:
    config: dict[str, Any] = {
        "channels": {"requests": "C0REQUESTS", "platform": "C0PLATFORM"},
        "groups": {
            "security": {"usergroup_id": "S0SECURITY", "channel": "C0SECURITY"},
            "oncall": {"user_ids": ["U0ONCALL"], "channel": "C0PLATFORM"},
            "finance": {"user_ids": ["U0ONCALL"], "channel": "C0PLATFORM"},
        },
        "teams": {"payments": ["U0REQ", "U0DEV2"], "platform": ["U0SEC1", "U0SEC2", "U0ONCALL"]},
        "admins": ["U0ONCALL"],
        "pulumi": {"pulumi_bin_dir": str(pulumi_bin_dir)},
        # No scheduled jobs: the benchmark runs the sweeps itself.
        "schedules": {name: "" for name in ("drift", "feedback", "reminders", "expiry", "digest")},
        "executor": executor,
    }
    if temporal is not None:
        config["temporal"] = temporal
    return config


@dataclass
class Fleet:
    slack: SlackEmulator
    driver: SlackDriver
    bot: PlatformBot

    def send(self, names: list[str]) -> None:
        for name in names:
            response = self.driver.slash_command(
                f"request service name={name} team=payments language=python owners={USER}", user=USER
            )
            assert response.status == 200, response.status

    def rows(self) -> list[RequestRow]:
        with self.bot.store.read() as session:
            return list(session.exec(select(RequestRow).order_by(col(RequestRow.id))).all())

    def wait_terminal(self, count: int, timeout: float) -> list[RequestRow]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.rows()
            if len(rows) >= count and all(RequestState(r.state) in TERMINAL for r in rows):
                return rows
            time.sleep(0.2)
        states = sorted(str(r.state) for r in self.rows())
        raise TimeoutError(f"not all {count} requests ended within {timeout:.0f} s: {states}")

    def runs(self) -> list[RunRow]:
        with self.bot.store.read() as session:
            return list(session.exec(select(RunRow).order_by(col(RunRow.id))).all())


@dataclass(frozen=True)
class Parts:
    """What every fleet of the run shares: the Pulumi CLI and one PostgreSQL server (a fresh
    database per fleet: the bot and its workers are separate processes on one database)."""

    pulumi_bin_dir: Path
    postgres: PostgresServer


@contextlib.contextmanager
def fleet(
    parts: Parts, executor: str = "inprocess", temporal: dict[str, Any] | None = None
) -> Iterator[Fleet]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(parts.postgres.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with _fleet_on(parts, parts.postgres.sqlalchemy_url(name), executor, temporal) as f:
            yield f
    finally:
        with psycopg.connect(parts.postgres.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _fleet_on(
    parts: Parts, database_url: str, executor: str, temporal: dict[str, Any] | None
) -> Iterator[Fleet]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-scale-") as work,
        SlackEmulator(default_workspace()) as slack,
    ):
        config_path = Path(work) / "config.yaml"
        config_path.write_text(yaml.safe_dump(_config(parts.pulumi_bin_dir, executor, temporal)))
        workspace = slack.workspace
        env = {
            "SLACK_BOT_TOKEN": workspace.bot_token,
            "SLACK_SIGNING_SECRET": workspace.signing_secret,
            "SLACK_API_URL": slack.base_url,
            "PLATFORMBOT_CONFIG": str(config_path),
            "DATABASE_URL": database_url,
            "PLATFORMBOT_DATA_DIR": f"{work}/data",
            "PULUMI_CONFIG_PASSPHRASE": "bench-scale",
        }
        os.environ.update(env)
        bot = create_app(Settings(), load_app_config(config_path))
        bot.start()
        server = bot.serve_http(port=0).start()
        try:
            driver = SlackDriver(slack, f"{server.url}/slack/events", signing_secret=workspace.signing_secret)
            yield Fleet(slack, driver, bot)
        finally:
            bot.close()


class PeakMemory:
    """The peak resident memory of this process and its descendants (the Pulumi engine and
    language hosts), sampled every 100 ms from /proc."""

    def __init__(self) -> None:
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_mib = max(self.peak_mib, _tree_rss_kib(os.getpid()) / 1024)


def _tree_rss_kib(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":", 1)
                for line in Path(f"/proc/{entry}/status").read_text().splitlines()
                if ":" in line
            )
            pid = int(entry)
            children.setdefault(int(fields["PPid"]), []).append(pid)
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def drift_sweeps(parts: Parts, stacks: int) -> None:
    print(f"\n== Drift sweep of {stacks} service stacks (in-process, {CORES} cores) ==")
    tag = uuid.uuid4().hex[:4]
    with fleet(parts) as f:
        checker = DriftChecker(
            store=f.bot.store,
            runner=f.bot.runner,
            notifier=SlackDriftNotifier(f.bot.client, f.bot.config),
            clock=f.bot.clock,
            concurrency=4,
        )
        built = 0
        peaks: dict[int, float] = {}
        for size in sorted({max(1, stacks // 4), max(1, stacks // 2), stacks}):
            started = time.monotonic()
            f.send([f"drift-{tag}-{i:03d}" for i in range(built, size)])
            rows = f.wait_terminal(size, timeout=60 + 30 * (size - built))
            failed = [r.id for r in rows if r.state != RequestState.SUCCEEDED]
            assert not failed, f"requests that did not succeed: {failed}"
            print(f"built {size - built} stacks in {time.monotonic() - started:.0f} s")
            built = size
            with PeakMemory() as memory:
                sweep = checker.sweep()
            assert len(sweep.checked) == size and not sweep.failures, sweep
            peaks[size] = memory.peak_mib
            print(f"sweep of {size} stacks at concurrency 4: peak RSS {memory.peak_mib:.0f} MiB")
        walls: dict[int, float] = {}
        for concurrency in (1, 2, 4):
            checker = DriftChecker(
                store=f.bot.store,
                runner=f.bot.runner,
                notifier=SlackDriftNotifier(f.bot.client, f.bot.config),
                clock=f.bot.clock,
                concurrency=concurrency,
            )
            started = time.monotonic()
            sweep = checker.sweep()
            walls[concurrency] = time.monotonic() - started
            assert len(sweep.checked) == stacks and not sweep.failures, sweep
        for concurrency, wall in walls.items():
            bound = 1.3 * walls[1] / min(concurrency, CORES)
            print(
                f"concurrency {concurrency}: wall {wall:.1f} s ({stacks / wall:.1f} stacks/s); "
                f"target <= {bound:.1f} s: {_verdict(wall <= bound)}"
            )
        smallest = min(peaks)
        flat = peaks[stacks] <= 1.3 * peaks[smallest]
        shown = ", ".join(f"{n} stacks {mib:.0f} MiB" for n, mib in sorted(peaks.items()))
        print(f"peak RSS at concurrency 4: {shown}; flat (<= 1.3 x): {_verdict(flat)}")


def throughput(parts: Parts, requests: int) -> None:
    print(f"\n== {requests} allowed service requests: in-process against Temporal workers ==")
    from tests.support.temporal import dev_server, unique_task_queue

    rates: dict[str, float] = {}
    rate = _run_batch(parts, requests, "inprocess", None, 0)
    rates["in-process (4 threads)"] = rate
    temporal = dev_server()
    for workers in (1, 2):
        settings = {
            "address": temporal.address,
            "task_queue": unique_task_queue("bench"),
            "worker_concurrency": 4,
        }
        rates[f"Temporal, {workers} worker(s) x 4"] = _run_batch(
            parts, requests, "temporal", settings, workers
        )
    inprocess = rates["in-process (4 threads)"]
    for name, value in rates.items():
        print(f"{name}: {value:.1f} requests/min")
    for workers in (1, 2):
        ratio = inprocess / rates[f"Temporal, {workers} worker(s) x 4"]
        print(
            f"overhead ratio in-process / Temporal with {workers} worker(s): {ratio:.2f} (target <= 1.2: "
            f"{_verdict(ratio <= 1.2)})"
        )


def _run_batch(
    parts: Parts, requests: int, executor: str, temporal: dict[str, Any] | None, workers: int
) -> float:
    tag = uuid.uuid4().hex[:4]
    with fleet(parts, executor, temporal) as f, _workers(workers) as logs:
        started = time.monotonic()
        f.send([f"tp-{tag}-{i:03d}" for i in range(requests)])
        try:
            rows = f.wait_terminal(requests, timeout=120 + 20 * requests)
        except TimeoutError:
            for log in logs:
                print(log.read_text(errors="replace")[-2000:])
            raise
        wall = time.monotonic() - started
    succeeded = sum(1 for r in rows if r.state == RequestState.SUCCEEDED)
    assert succeeded == requests, f"{executor}: {succeeded} of {requests} succeeded"
    return requests / wall * 60


@contextlib.contextmanager
def _workers(count: int) -> Iterator[list[Path]]:
    logs = [Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1]) for _ in range(count)]
    procs = []
    for log in logs:
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "worker"], cwd=REPO, stdout=out, stderr=subprocess.STDOUT
                )
            )
    try:
        yield logs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def one_stack(parts: Parts, count: int) -> None:
    print(f"\n== {count} requests on one stack, sent at once ==")
    name = f"one-{uuid.uuid4().hex[:4]}"
    with fleet(parts) as f:
        started = time.monotonic()
        for i in range(count):
            language = ("python", "go", "node")[i % 3]
            response = f.driver.slash_command(
                f"request service name={name} team=payments language={language} owners={USER}", user=USER
            )
            assert response.status == 200
        rows = f.wait_terminal(count, timeout=120 + 60 * count)
        wall = time.monotonic() - started
        applies = sorted((r for r in f.runs() if r.kind == "up"), key=lambda r: (r.started_at, r.id or 0))
        overlaps = sum(
            1
            for a, b in zip(applies, applies[1:], strict=False)
            if a.finished_at is None or b.started_at < a.finished_at
        )
        in_order = [r.request_id for r in applies] == sorted(r.request_id for r in applies)
        by_state: dict[str, int] = {}
        for row in rows:
            by_state[str(row.state)] = by_state.get(str(row.state), 0) + 1
        superseded = sum(1 for r in rows if r.superseded_by is not None and r.state == RequestState.CANCELLED)
        waited = told = 0
        ran = {r.request_id for r in applies}
        for row in rows:
            if row.id not in ran or row.id == applies[0].request_id:
                continue
            waited += 1
            thread = f.slack.thread(row.channel, row.thread_ts or "")
            told += any("waits" in m.all_text and "busy" in m.all_text for m in thread)
    print(f"{count} requests ended in {wall:.0f} s: {by_state}; superseded by a newer one: {superseded}")
    print(
        f"applies: {len(applies)}; overlapping applies: {overlaps} ({_verdict(overlaps == 0)}); "
        f"in id order: {in_order} ({_verdict(in_order)})"
    )
    print(
        f"applied after waiting for the stack: {waited}; told so in their thread: {told} "
        f"({_verdict(told == waited)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--same-stack", type=int, default=10)
    parser.add_argument("--skip", action="append", default=[], choices=["drift", "throughput", "one-stack"])
    args = parser.parse_args()
    with running_postgres() as postgres:
        parts = Parts(require_pulumi_cli(), postgres)
        if "drift" not in args.skip:
            drift_sweeps(parts, args.stacks)
        if "throughput" not in args.skip:
            throughput(parts, args.requests)
        if "one-stack" not in args.skip:
            one_stack(parts, args.same_stack)


if __name__ == "__main__":
    main()
