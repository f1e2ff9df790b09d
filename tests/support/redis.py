"""The throwaway redis-server the engine tests provision into (the sandbox's launcher, not
persisted), and an admin client to look inside it."""

from __future__ import annotations

import redis

from bot.devtools.sandbox.errors import RedisUnavailable
from bot.devtools.sandbox.redis import RedisServer, running_redis

__all__ = ["RedisServer", "RedisUnavailable", "admin_client", "running_redis"]


def admin_client(server: RedisServer) -> redis.Redis:
    return redis.Redis(host=server.host, port=server.port, password=server.password, decode_responses=True)
