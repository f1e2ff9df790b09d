"""A dynamic provider for a Redis ACL user confined to a key prefix.

The admin URL comes from the provider process's environment (the runner sets it from the
path's settings), never from the inputs: it would be pickled into the state, and a rotated admin
password would break every later delete. The inputs carry `server` (host:port) instead.

Drift: Redis rewrites the command rules it is given (`+@read` becomes a list of categories and
exceptions, in no fixed order), so the provider keeps the rules as Redis rendered them
(`rendered`) and compares the live ones with those, as sets. When they differ, read() reports
the live rules as `commands`, which the plan shows as a change and an update sets back.

Labels: Redis has no tags on users or keys, so the provider keeps each user's attribution labels
in a hash of its own, `_platformbot:labels:<user>` (HSET team payments cost_centre CC-4711 ...).
The leading `_` puts it outside every cache's key prefix (cache names start with a letter), so
no cache user can read or change it, and it is not among the keys a delete removes with the
prefix; the admin connection writes it with the ACL, reads it back on refresh (a hand edit is
drift, which an update sets back) and deletes it with the user.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import redis
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from provisioners.providers.failure import ProviderFailure

ADMIN_URL_ENV = "PLATFORMBOT_REDIS_ADMIN_URL"
# The engine's placeholder for a value a preview cannot know yet.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
KEYS = ("name", "server", "key_prefix", "commands", "enabled", "memory_budget_mb", "labels")
LABELS_KEY = "_platformbot:labels:{user}"
REPLACE_KEYS = ("name", "server")


# Rotation (`/platform rotate`): the program passes the intent's credentials_version; a higher one
# than the state's makes update() set a new password. A state from before rotation has none,
# which counts as 0, so upgrading shows no change.
CREDENTIALS_VERSION = "credentials_version"


def _version(props: Mapping[str, Any]) -> dict[str, Any]:
    value = props.get(CREDENTIALS_VERSION)
    return {CREDENTIALS_VERSION: value if value == UNKNOWN else _norm(value or 0)}


def rotation_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """[credentials_version] when the new inputs ask for other credentials than the state holds."""
    return [CREDENTIALS_VERSION] if _version(olds) != _version(news) else []


def server_label(url: str) -> str:
    """`host:port` of a redis:// URL: names the server in plans and state, without credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("not a redis:// URL")
    return f"{parts.hostname}:{parts.port or 6379}"


@contextmanager
def admin(server: str, action: str) -> Iterator[redis.Redis]:
    url = os.environ.get(ADMIN_URL_ENV)
    if not url:
        raise ProviderFailure(f"no Redis admin URL is configured for {server}")
    if server_label(url) != server:
        raise ProviderFailure(f"the configured Redis admin URL points at {server_label(url)}, not {server}")
    client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=10)
    try:
        yield client
    except redis.ResponseError as exc:  # the server answered: its words are about our command
        raise ProviderFailure(f"Redis on {server} refused to {action}: {exc}") from exc
    except redis.RedisError as exc:
        raise ProviderFailure(f"cannot reach Redis on {server} to {action}") from exc
    finally:
        client.close()


def acl_rules(props: Mapping[str, Any], password: str) -> list[str]:
    """The whole ACL of the user: `reset` first, so what we set is all it has."""
    prefix = props["key_prefix"]
    return [
        "reset",
        "on" if props.get("enabled", True) else "off",
        f">{password}",
        f"~{prefix}*",
        "resetchannels",
        f"&{prefix}*",
        *str(props["commands"]).split(),
    ]


def password_hash(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def _live(client: redis.Redis, name: str) -> dict[str, Any] | None:
    # The raw reply, not acl_getuser(): redis-py's parsed form splits categories from commands.
    found: Any = client.execute_command("ACL", "GETUSER", name)
    if not found:
        return None
    if isinstance(found, list):  # RESP2 without redis-py's callback: key, value, key, value ...
        found = dict(zip(found[::2], found[1::2], strict=True))
    return {
        "enabled": "on" in found.get("flags", []),
        "keys": _text(found.get("keys")),
        "channels": _text(found.get("channels")),
        "commands": _text(found.get("commands")),
        "passwords": list(found.get("passwords", [])),
    }


def labels_key(user: str) -> str:
    return LABELS_KEY.format(user=user)


def _write_labels(client: redis.Redis, user: str, labels: Any) -> None:
    """Replace the user's labels hash (in one MULTI: nobody sees it half written)."""
    pipe = client.pipeline(transaction=True)
    pipe.delete(labels_key(user))
    if isinstance(labels, Mapping) and labels:
        pipe.hset(labels_key(user), mapping={str(k): "" if v is None else str(v) for k, v in labels.items()})
    pipe.execute()


def _text(value: Any) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value or "")


def _norm(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


class RedisUserProvider(ResourceProvider):
    """An ACL user with a generated password, its keys and channels confined to `key_prefix`."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        name, server = news.get("name"), news.get("server")
        if not isinstance(name, str) or not name or any(c.isspace() for c in name):
            failures.append(CheckFailure("name", f"{name!r} is not a usable Redis user name"))
        prefix = news.get("key_prefix")
        if not isinstance(prefix, str) or not prefix.endswith(":") or any(c in prefix for c in "*?[] "):
            failures.append(CheckFailure("key_prefix", f"{prefix!r} must end in `:` and hold no pattern"))
        # Before a create, look the user up: a clash then fails the preview, not the apply.
        if not olds and not failures and isinstance(server, str) and UNKNOWN not in (name, server):
            with admin(server, f"look up user {name}") as client:
                if _live(client, str(name)) is not None:
                    failures.append(CheckFailure("name", f'Redis user "{name}" already exists on {server}'))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = [k for k in KEYS if news.get(k) == UNKNOWN or _norm(olds.get(k)) != _norm(news.get(k))]
        keys += rotation_keys(olds, news)
        return DiffResult(changes=bool(keys), replaces=[k for k in keys if k in REPLACE_KEYS])

    def create(self, props: dict[str, Any]) -> CreateResult:
        password = secrets.token_urlsafe(24)
        rendered = self._set(props, password, f"create user {props['name']}")
        outputs = {**_inputs(props), **_version(props), "password": password, "rendered": rendered}
        return CreateResult(props["name"], outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        server, password = props["server"], str(props.get("password") or "")
        with admin(server, f"read user {id_}") as client:
            live = _live(client, id_)
            labels: dict[str, str] = dict(client.hgetall(labels_key(id_)))  # type: ignore[arg-type]
        if live is None:
            return ReadResult(None, {})
        inputs = _inputs(props)
        if "labels" in props:  # a user from before labels has none to compare
            inputs["labels"] = labels
        prefix = props["key_prefix"]
        inputs["enabled"] = live["enabled"]
        if live["keys"] != f"~{prefix}*" or live["channels"] != f"&{prefix}*":
            # Keys or channels widened by hand: the prefix no longer holds, shown as such.
            inputs["key_prefix"] = f"{live['keys']} {live['channels']}".strip()
        # Redis lists the exceptions to the categories in no fixed order: compare them as a set.
        if sorted(live["commands"].split()) != sorted(str(props.get("rendered") or "").split()):
            inputs["commands"] = live["commands"]
        if live["passwords"] != [password_hash(password)]:
            # A password set by hand: the one we handed out may not work; an update sets it again.
            inputs["enabled"] = False
        inputs |= _version(props)
        return ReadResult(id_, {**inputs, "password": password, "rendered": props.get("rendered")}, inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        password = str(olds.get("password") or "")
        if rotation_keys(olds, news):
            # A rotation: the ACL is set whole (`reset` first), so the old password stops working.
            password = secrets.token_urlsafe(24)
        if not password:
            raise ProviderFailure(f"the password of Redis user {news['name']} is not in the state")
        rendered = self._set(news, password, f"change user {news['name']}")
        return UpdateResult({**_inputs(news), **_version(news), "password": password, "rendered": rendered})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Remove the user (Redis closes its connections) and every key under its prefix."""
        prefix = props["key_prefix"]
        with admin(props["server"], f"delete user {id_}") as client:
            client.acl_deluser(id_)
            _save_acl(client)
            client.delete(labels_key(id_))
            batch: list[str] = []
            for key in client.scan_iter(match=f"{prefix}*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    client.unlink(*batch)
                    batch = []
            if batch:
                client.unlink(*batch)

    def _set(self, props: Mapping[str, Any], password: str, action: str) -> str:
        with admin(props["server"], action) as client:
            client.execute_command("ACL", "SETUSER", props["name"], *acl_rules(props, password))
            _save_acl(client)
            _write_labels(client, props["name"], props.get("labels"))
            live = _live(client, props["name"])
        return str(live["commands"]) if live else ""


def _save_acl(client: redis.Redis) -> None:
    """Write the users to the server's ACL file, when it keeps one: Redis holds ACL users in memory
    only, so without this a restart would lose every user the state says exists."""
    try:
        client.execute_command("ACL", "SAVE")
    except redis.ResponseError as exc:
        if "ACL file" not in str(exc):  # "This Redis instance is not configured to use an ACL file"
            raise


def _inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _norm(props[k]) for k in KEYS if k in props}


class RedisUser(Resource, module="platformbot", name="RedisUser"):
    """An ACL user; outputs `password` (mark it secret with additional_secret_outputs)."""

    name: Any
    password: Any
    key_prefix: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(
            RedisUserProvider(), resource_name, {**props, "password": None, "rendered": None}, opts
        )
