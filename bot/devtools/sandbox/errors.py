"""What can go wrong starting the sandbox, each with a message a newcomer can act on.

SandboxError                 the sandbox cannot start (message says what to do)
├── PostgresUnavailable      no local PostgreSQL: binaries missing or the server would not start
├── RedisUnavailable         no local redis-server: not installed or it would not start
├── RabbitMQUnavailable      no local rabbitmq-server: not installed or the node would not come up
└── DataDirBusy              another `platformbot dev` is using the same data dir
"""

from __future__ import annotations


class SandboxError(RuntimeError):
    """The sandbox cannot start; `str(exc)` is meant for the person at the terminal."""


class PostgresUnavailable(SandboxError):
    """No PostgreSQL server binaries on this machine, or the server did not start."""


class RedisUnavailable(SandboxError):
    """redis-server is not installed, or it did not start."""


class RabbitMQUnavailable(SandboxError):
    """rabbitmq-server is not installed here, or its node did not come up."""


class DataDirBusy(SandboxError):
    """Another sandbox holds the data dir (its SQLite file, Pulumi state and PostgreSQL cluster)."""
