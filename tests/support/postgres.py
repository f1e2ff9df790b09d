"""A throwaway PostgreSQL cluster for tests: the sandbox's own local-PostgreSQL starter
(bot/devtools/sandbox/postgres.py), run in a temp dir and deleted after.

PostgreSQL refuses to run as root, and CI runs as root, so the cluster is owned by and run as
an unprivileged user (`postgres` where Debian's package created it, else `nobody`).
"""

from __future__ import annotations

from bot.devtools.sandbox.errors import PostgresUnavailable
from bot.devtools.sandbox.postgres import PostgresServer, running_postgres

__all__ = ["PostgresServer", "PostgresUnavailable", "running_postgres"]
