"""The redis-cache program: one ACL user per cache on the shared Redis, confined to `<name>:<env>:`.

Limits by size, honestly: Redis cannot cap the memory or the key count of one ACL user; its only
memory limit is the server's `maxmemory`. So `size` sets a memory budget that is recorded on the
resource, shown in the plan and priced, and that the platform team sizes the shared server's
`maxmemory` by. What Redis does enforce is the prefix (keys and channels) and the commands: no
admin commands, no KEYS, FLUSHALL, FLUSHDB or other commands flagged dangerous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pulumi

from intents.intent import Intent
from platformbot_redis_cache.provider import ADMIN_URL_ENV, CREDENTIALS_VERSION, RedisUser, server_label
from provisioners.errors import InvalidParameters, ProgramUnavailable
from provisioners.labels import LABELS_INPUT, Labels
from provisioners.programs.base import GoldenPathProgram, PulumiProgram
from provisioners.settings import RunnerSettings

PATH = "redis-cache"
USER_TYPE = "pulumi-python:dynamic/platformbot:RedisUser"
MEMORY_BUDGET_MB = {"small": 64, "medium": 256, "large": 1024}
# Data commands only (and ACL WHOAMI, so a client can check who it is); -@dangerous also takes
# away KEYS, SORT, FLUSHDB, FLUSHALL and MIGRATE.
COMMANDS = "-@all +@read +@write +@keyspace +@connection +@transaction -@dangerous +acl|whoami"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class CacheSpec:
    user: str
    key_prefix: str
    memory_budget_mb: int
    server: str
    host: str
    port: int
    # The intent's credentials_version: raising it (`/platform rotate`) issues a new password.
    credentials_version: int = 0


def admin_url(settings: RunnerSettings) -> str:
    url = settings.path_setting(PATH, "admin_url")
    if url is None:
        raise ProgramUnavailable(
            "redis-cache is not available here: no Redis admin URL is configured "
            "(`path_settings: {redis-cache: {admin_url: redis://...}}`)."
        )
    return url


def cache_spec(intent: Intent, settings: RunnerSettings) -> CacheSpec:
    try:
        server = server_label(admin_url(settings))
    except ValueError as exc:
        raise ProgramUnavailable(
            "redis-cache is not available: the Redis admin URL cannot be parsed."
        ) from exc
    if not NAME.match(intent.name):
        raise InvalidParameters(f"`{intent.name}` is not a usable cache name (a-z, 0-9 and -).")
    size = str(intent.params.get("size", "small"))
    if size not in MEMORY_BUDGET_MB:
        raise InvalidParameters(f"size `{size}` is not one of {', '.join(MEMORY_BUDGET_MB)}.")
    host, _, port = server.rpartition(":")
    return CacheSpec(
        user=f"{intent.name}-{intent.env}",
        key_prefix=f"{intent.name}:{intent.env}:",
        memory_budget_mb=MEMORY_BUDGET_MB[size],
        server=server,
        host=host,
        port=int(port),
        credentials_version=intent.credentials_version,
    )


def declare(spec: CacheSpec, labels: Labels) -> RedisUser:
    """The user, labelled (the provider keeps the labels in a hash of its own, see provider.py)."""
    return RedisUser(
        "user",
        {
            "name": spec.user,
            "server": spec.server,
            "key_prefix": spec.key_prefix,
            "commands": COMMANDS,
            "enabled": True,
            "memory_budget_mb": spec.memory_budget_mb,
            CREDENTIALS_VERSION: spec.credentials_version,
            LABELS_INPUT: labels.as_input(),
        },
        pulumi.ResourceOptions(additional_secret_outputs=["password"]),
    )


def connection_url(spec: CacheSpec, password: Any) -> str:
    host = f"[{spec.host}]" if ":" in spec.host else spec.host
    return f"redis://{quote(spec.user, safe='')}:{quote(str(password), safe='')}@{host}:{spec.port}/0"


def build_program(intent: Intent, settings: RunnerSettings, labels: Labels) -> PulumiProgram:
    spec = cache_spec(intent, settings)

    def program() -> None:
        user = declare(spec, labels)
        pulumi.export("username", user.name)
        pulumi.export("key_prefix", spec.key_prefix)
        pulumi.export("host", spec.host)
        pulumi.export("port", spec.port)
        pulumi.export("memory_budget_mb", spec.memory_budget_mb)
        pulumi.export("password", pulumi.Output.secret(user.password))
        pulumi.export("url", pulumi.Output.secret(user.password.apply(lambda pw: connection_url(spec, pw))))

    return program


def engine_env(settings: RunnerSettings) -> dict[str, str]:
    url = settings.path_setting(PATH, "admin_url")
    return {} if url is None else {ADMIN_URL_ENV: url}


PROGRAM = GoldenPathProgram(
    name=PATH,
    description="A Redis ACL user confined to a key prefix on the shared cache server.",
    build=build_program,
    resource_types=(USER_TYPE,),
    # A delete removes every key under the prefix; a cache is refillable, but cold after it.
    stateful_types=frozenset({USER_TYPE}),
    engine_env=engine_env,
    secret_outputs=frozenset({"password", "url"}),
    rotates_credentials=True,
)
