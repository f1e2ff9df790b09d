"""`GET /readyz`: can this process do its job? The database answers, its schema is at the
migrations' head, and the Pulumi CLI is where the runner will look for it.

`/healthz` says the process is alive; `/readyz` is what a load balancer or an orchestrator waits
for before sending traffic, and what it stops sending to when the database goes away.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.store import Store
from bot.store.migrate import alembic_config, current_revision

log = logging.getLogger("bot.readiness")

Check = Callable[[], str | None]  # None when fine, else what is wrong (safe to show)


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check]

    def run(self) -> tuple[bool, dict[str, str]]:
        results: dict[str, str] = {}
        for name, check in self.checks.items():
            problem = check()
            results[name] = "ok" if problem is None else problem
        return all(value == "ok" for value in results.values()), results


def readiness_for(store: Store, pulumi_bin_dir: Callable[[], Path | None]) -> Readiness:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    def database() -> str | None:
        try:
            with store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
            return "unreachable"
        return None

    def migrations() -> str | None:
        try:
            current = current_revision(store.engine)
        except SQLAlchemyError as exc:
            log.warning("readiness: cannot read the schema revision (%s)", type(exc).__name__)
            return "unknown: the database does not answer"
        return None if current == head else f"at {current or 'nothing'}, head is {head}"

    def pulumi_cli() -> str | None:
        bin_dir = pulumi_bin_dir()
        if bin_dir is None or not os.access(bin_dir / "pulumi", os.X_OK):
            return "not found (PATH, the Pulumi cache, pulumi.pulumi_bin_dir)"
        return None

    return Readiness({"database": database, "migrations": migrations, "pulumi_cli": pulumi_cli})
