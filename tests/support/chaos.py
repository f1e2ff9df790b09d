"""The chaos scenario's fleet (tests/scenarios/test_chaos.py): the real processes it kills and
restarts.

    Fleet   `platformbot serve` replicas and `platformbot worker`s, each in a process group of
            its own (SIGKILL takes its Pulumi CLI and plugins with it), and the kills it suffered

The checks made afterwards are in tests/support/chaos_checks.py, the people in chaos_people.py.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from tests.support.processes import descendants, free_port

REPO = Path(__file__).resolve().parents[2]
Kind = Literal["replica", "worker"]


class Process:
    """`python -m bot <args>` in a process group of its own, its output appended to `log`."""

    kind: Kind

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self._log = log.open("ab")
        self.started_at = datetime.now(UTC)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        # The engine starts its plugins in process groups of their own: collect the whole tree
        # first, so nothing outlives the "crash" (a dying container takes all of it).
        tree = descendants(self.proc.pid)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
        self._log.close()

    def stop(self, within: float = 20.0) -> None:
        """SIGTERM, bounded: past `within` seconds it is killed, so nothing is left running."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(within)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._log.close()


class Replica(Process):
    kind: Kind = "replica"

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        super().__init__(["serve", "--host", "127.0.0.1", "--port", str(self.port)], env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            return False
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0


class Worker(Process):
    kind: Kind = "worker"

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        super().__init__(["worker", "--concurrency", str(concurrency)], env, log)


@dataclass(frozen=True)
class Kill:
    kind: Kind
    pid: int
    at: datetime
    # What was applying on the stacks at the moment, if the kill was aimed at an apply.
    during_apply: bool


@dataclass
class Fleet:
    """The replicas and workers; `kill` SIGKILLs one and starts its replacement at once.

    Sends to a replica (`on_replica`) and replica kills exclude each other: a command is only
    sent to a replica that listens, and the replica lives until the command's effect is stored,
    as Slack's user would otherwise type it again (a second request the test did not make)."""

    env: dict[str, str]
    log: Path
    rng: random.Random
    replicas: list[Replica] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    _sending: threading.Lock = field(default_factory=threading.Lock)

    def start(self, replicas: int, workers: int, ready_within: float = 90.0) -> None:
        # The first replica migrates the database before the others start.
        self.replicas.append(Replica(self.env, self.log))
        self.wait_ready(self.replicas[:1], ready_within)
        self.replicas += [Replica(self.env, self.log) for _ in range(replicas - 1)]
        self.workers += [Worker(self.env, self.log) for _ in range(workers)]
        self.wait_ready(self.replicas, ready_within)

    def wait_ready(self, replicas: list[Replica], within: float) -> None:
        deadline = time.monotonic() + within
        while not all(r.ready() for r in replicas):
            for replica in replicas:
                assert replica.proc.poll() is None, f"a replica exited: {self.tail()}"
            assert time.monotonic() < deadline, f"replicas not listening after {within}s: {self.tail()}"
            time.sleep(0.2)

    @contextmanager
    def on_replica(self, within: float = 30.0) -> Iterator[Replica]:
        """A listening replica picked at random, kept alive until the block ends."""
        deadline = time.monotonic() + within
        while True:
            with self._sending:
                ready = [r for r in self.replicas if r.ready()]
                if ready:
                    yield self.rng.choice(ready)
                    return
            assert time.monotonic() < deadline, f"no replica listening for {within}s"
            time.sleep(0.2)

    def kill(self, kind: Kind, *, pid: int | None = None, during_apply: bool = False) -> Kill:
        """SIGKILL a process of `kind` (the one with `pid` if it is still of the fleet, else one at
        random) and start its replacement."""
        victim: Process
        if kind == "replica":
            with self._sending:
                at = self._pick(self.replicas, pid)
                victim = self.replicas[at]
                victim.kill()
                self.replicas[at] = Replica(self.env, self.log)
        else:
            at = self._pick(self.workers, pid)
            victim = self.workers[at]
            victim.kill()
            self.workers[at] = Worker(self.env, self.log)
        kill = Kill(kind, victim.pid, datetime.now(UTC), during_apply)
        self.kills.append(kill)
        return kill

    def _pick(self, processes: list[Any], pid: int | None) -> int:
        for index, process in enumerate(processes):
            if process.pid == pid:
                return index
        return self.rng.randrange(len(processes))

    def pids(self, kind: Kind) -> set[int]:
        return {p.pid for p in (self.replicas if kind == "replica" else self.workers)}

    def killed_at(self) -> dict[int, datetime]:
        return {k.pid: k.at for k in self.kills}

    def stop(self) -> None:
        for process in [*self.replicas, *self.workers]:
            process.stop()

    def tail(self, chars: int = 6000) -> str:
        return self.log.read_text(errors="replace")[-chars:]
