"""What a sandbox does first: hold its data dir, then launch its RabbitMQ node.

The node takes seconds to answer. `platformbot dev` claims the data dir before it imports the
bot (which takes seconds too), so the two overlap; Sandbox.start() claims for itself when it is
handed no claim. This module imports little, so claiming stays quick.
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.devtools.sandbox.errors import DataDirBusy, RabbitMQUnavailable
from bot.devtools.sandbox.rabbitmq import LocalRabbitMQ

log = logging.getLogger(__name__)

NO_RABBITMQ = "the sandbox was started with --no-rabbitmq"


@dataclass
class Claim:
    """A data dir held by one sandbox, and its RabbitMQ node launched (or why there is none)."""

    data_dir: Path
    lock: IO[str]
    rabbitmq: LocalRabbitMQ | None = None
    rabbitmq_unavailable: str | None = None

    def release(self) -> None:
        """Stop the node, then let the data dir go: the next sandbox may start its own node there."""
        if self.rabbitmq is not None:
            self.rabbitmq.stop()
            self.rabbitmq = None
        self.lock.close()


def claim(data_dir: Path, *, rabbitmq: bool = True) -> Claim:
    """Hold `data_dir` (DataDirBusy when another sandbox does) and launch its node, not waiting."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_data_dir(data_dir)
    if not rabbitmq:
        return Claim(data_dir, lock, rabbitmq_unavailable=NO_RABBITMQ)
    try:
        local = LocalRabbitMQ(data_dir / "rabbitmq")
        local.launch()
    except (RabbitMQUnavailable, OSError) as exc:
        return Claim(data_dir, lock, rabbitmq_unavailable=rabbitmq_failed(exc))
    return Claim(data_dir, lock, rabbitmq=local)


def rabbitmq_failed(exc: Exception) -> str:
    log.warning("no local rabbitmq-server: %s", exc)
    return f"the sandbox could not start a local rabbitmq-server: {exc}"


def lock_data_dir(data_dir: os.PathLike[str]) -> IO[str]:
    """One sandbox per data dir: two would share (and stop) one PostgreSQL, one RabbitMQ node and
    one SQLite file."""
    handle = open(os.path.join(data_dir, "sandbox.lock"), "w")  # noqa: SIM115 - held until release()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise DataDirBusy(
            f"another `platformbot dev` is using {data_dir}; stop it, or pass --data-dir for a second sandbox"
        ) from exc
    return handle
