"""Dynamic providers for a RabbitMQ vhost (with its limits) and a user whose only permissions
are on that vhost, through the management HTTP API (see management.py).

Drift: read() reports what is live in the same inputs the program declares, so a change by hand
shows in the plan as the key that moved: the vhost's `max_connections` / `max_queues` (None when
a limit was cleared) and `labels`; the user's permission patterns on its own vhost,
`other_vhosts` (permissions granted by hand anywhere else, each as `vhost configure= write= read=`),
its `tags` (`administrator` given by hand) and `password_issued` (false when the password was
changed by hand: the one handed out no longer works). An update sets every one of them back.

Labels (provisioners.labels): the vhost keeps them as its description, in the canonical JSON of
labels_json, so what read() gets back compares byte for byte; a description edited by hand is
drift of `labels`. Not in vhost tags: RabbitMQ turns every tag into an Erlang atom, which are
never freed, and a request id or a requester per vhost would grow that table for good. A user has
no such field (its tags are its management permissions), so the user's labels live in the state
only and the vhost's description is where the broker shows both.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

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

from platformbot_rabbitmq_vhost.management import ManagementAPI, segment
from provisioners.labels import LABELS_INPUT, labels_json
from provisioners.providers.failure import ProviderFailure

# The engine's placeholder for a value a preview cannot know yet.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
LIMITS = {"max_connections": "max-connections", "max_queues": "max-queues"}
VHOST_KEYS = ("name", "server", LABELS_INPUT, *LIMITS)
USER_KEYS = (
    "name",
    "server",
    "vhost",
    "configure",
    "write",
    "read",
    "other_vhosts",
    "tags",
    "password_issued",
    LABELS_INPUT,
)
REPLACE_KEYS = ("name", "server")
# Rotation (`/platform rotate`): the program passes the intent's credentials_version; a higher one
# than the state's makes the user's update() set a new password. Connections already open keep
# going (RabbitMQ checks a password at connect only), as with the other paths' rotations.
CREDENTIALS_VERSION = "credentials_version"
HASHES = {
    "rabbit_password_hashing_sha256": hashlib.sha256,
    "rabbit_password_hashing_sha512": hashlib.sha512,
    "rabbit_password_hashing_md5": hashlib.md5,
}


def _norm(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value)
    if isinstance(value, Mapping):
        return {str(k): _norm(v) for k, v in value.items()}
    return value


def _changed(keys: tuple[str, ...], olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
    moved = [k for k in keys if news.get(k) == UNKNOWN or _norm(olds.get(k)) != _norm(news.get(k))]
    return DiffResult(changes=bool(moved), replaces=[k for k in moved if k in REPLACE_KEYS])


def _version(props: Mapping[str, Any]) -> dict[str, Any]:
    value = props.get(CREDENTIALS_VERSION)
    return {CREDENTIALS_VERSION: value if value == UNKNOWN else _norm(value or 0)}


def rotation_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """[credentials_version] when the new inputs ask for other credentials than the state holds."""
    return [CREDENTIALS_VERSION] if _version(olds) != _version(news) else []


def _tag_list(value: Any) -> list[str]:
    """Tags as the API gives them (a list, or a comma-separated string in older versions)."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return sorted(str(t).strip() for t in items if str(t).strip())


def _name_failures(news: Mapping[str, Any]) -> list[CheckFailure]:
    name = news.get("name")
    if name == UNKNOWN or (isinstance(name, str) and NAME.match(name)):
        return []
    return [CheckFailure("name", f"{name!r} is not a usable RabbitMQ name (a-z, 0-9 and -)")]


class VhostProvider(ResourceProvider):
    """A vhost with the limits of its size, its labels as its description."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = _name_failures(news)
        for key in LIMITS:
            value = news.get(key)
            if value != UNKNOWN and not (isinstance(value, int | float) and int(value) >= 0):
                failures.append(CheckFailure(key, f"{value!r} is not a limit (a whole number, 0 or more)"))
        name, server = news.get("name"), news.get("server")
        # Before a create, look the vhost up: a clash then fails the preview, not the apply.
        if not olds and not failures and isinstance(server, str) and UNKNOWN not in (name, server):
            api = ManagementAPI(server, f"look up vhost {name}")
            if api.get_or_none(f"/vhosts/{segment(str(name))}") is not None:
                failures.append(CheckFailure("name", f'RabbitMQ vhost "{name}" already exists on {server}'))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _changed(VHOST_KEYS, olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._set(props, f"create vhost {props['name']}")
        return CreateResult(props["name"], _inputs(props, VHOST_KEYS))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        api = ManagementAPI(props["server"], f"read vhost {id_}")
        live = api.get_or_none(f"/vhosts/{segment(id_)}")
        if live is None:
            return ReadResult(None, {})
        limits = api.get(f"/vhost-limits/{segment(id_)}") or [{}]
        values = limits[0].get("value", {}) if limits else {}
        inputs = _inputs(props, VHOST_KEYS)
        inputs[LABELS_INPUT] = _labels_from(str(live.get("description") or ""))
        for key, limit in LIMITS.items():
            inputs[key] = values.get(limit)
        return ReadResult(id_, inputs, inputs)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._set(news, f"change vhost {news['name']}")
        return UpdateResult(_inputs(news, VHOST_KEYS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Deleting a vhost deletes its queues, exchanges and permissions and closes its connections."""
        ManagementAPI(props["server"], f"delete vhost {id_}").delete(f"/vhosts/{segment(id_)}")

    def _set(self, props: Mapping[str, Any], action: str) -> None:
        api = ManagementAPI(props["server"], action)
        name = segment(str(props["name"]))
        # A PUT on an existing vhost updates its metadata and leaves its contents alone.
        description = labels_json(props.get(LABELS_INPUT) or {})
        api.put(f"/vhosts/{name}", {"description": description, "tags": ""})
        for key, limit in LIMITS.items():
            api.put(f"/vhost-limits/{name}/{limit}", {"value": int(props[key])})


class VhostUserProvider(ResourceProvider):
    """A user with a generated password, no management tags, and permissions on one vhost only."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = _name_failures(news)
        name, server = news.get("name"), news.get("server")
        if not olds and not failures and isinstance(server, str) and UNKNOWN not in (name, server):
            api = ManagementAPI(server, f"look up user {name}")
            if api.get_or_none(f"/users/{segment(str(name))}") is not None:
                failures.append(CheckFailure("name", f'RabbitMQ user "{name}" already exists on {server}'))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        found = _changed(USER_KEYS, olds, news)
        rotation = rotation_keys(olds, news)
        return DiffResult(changes=bool(found.changes or rotation), replaces=found.replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        password = secrets.token_urlsafe(24)
        self._set(props, password, f"create user {props['name']}")
        outputs = {**_inputs(props, USER_KEYS), **_version(props), "password": password}
        return CreateResult(props["name"], outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        api = ManagementAPI(props["server"], f"read user {id_}")
        live = api.get_or_none(f"/users/{segment(id_)}")
        if live is None:
            return ReadResult(None, {})
        inputs = _inputs(props, USER_KEYS)
        vhost = str(props["vhost"])
        grants = api.get(f"/users/{segment(id_)}/permissions") or []
        own = next((g for g in grants if g.get("vhost") == vhost), None)
        for key in ("configure", "write", "read"):
            inputs[key] = None if own is None else own.get(key)
        inputs["other_vhosts"] = sorted(_grant_text(g) for g in grants if g.get("vhost") != vhost)
        inputs["tags"] = _tag_list(live.get("tags"))
        password = str(props.get("password") or "")
        inputs["password_issued"] = _password_matches(live, password)
        inputs |= _version(props)
        return ReadResult(id_, {**inputs, "password": password}, inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        password = str(olds.get("password") or "")
        if rotation_keys(olds, news):
            # A rotation: a new password; the old one is refused from the next connect on.
            password = secrets.token_urlsafe(24)
        if not password:
            raise ProviderFailure(f"the password of RabbitMQ user {news['name']} is not in the state")
        self._set(news, password, f"change user {news['name']}")
        return UpdateResult({**_inputs(news, USER_KEYS), **_version(news), "password": password})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """The user and its permissions; the vhost's delete closes any connection it still has."""
        ManagementAPI(props["server"], f"delete user {id_}").delete(f"/users/{segment(id_)}")

    def _set(self, props: Mapping[str, Any], password: str, action: str) -> None:
        api = ManagementAPI(props["server"], action)
        user, vhost = segment(str(props["name"])), str(props["vhost"])
        api.put(f"/users/{user}", {"password": password, "tags": ",".join(props.get("tags") or [])})
        patterns = {k: str(props[k]) for k in ("configure", "write", "read")}
        api.put(f"/permissions/{segment(vhost)}/{user}", patterns)
        # Whatever was granted elsewhere (by hand) goes: this user belongs to one vhost.
        for grant in api.get(f"/users/{user}/permissions") or []:
            if grant.get("vhost") != vhost:
                api.delete(f"/permissions/{segment(str(grant['vhost']))}/{user}")
        for grant in api.get(f"/users/{user}/topic-permissions") or []:
            if grant.get("vhost") != vhost:
                api.delete(f"/topic-permissions/{segment(str(grant['vhost']))}/{user}")


def _labels_from(description: str) -> Any:
    """The labels a vhost's description holds; a description that is not ours, as it reads."""
    try:
        found = json.loads(description)
    except ValueError:
        return description
    return found if isinstance(found, dict) else description


def _grant_text(grant: Mapping[str, Any]) -> str:
    patterns = " ".join(f"{key}={grant.get(key)}" for key in ("configure", "write", "read"))
    return f"{grant.get('vhost')} {patterns}"


def _password_matches(live: Mapping[str, Any], password: str) -> bool:
    """RabbitMQ's internal hash: base64(salt(4 bytes) + H(salt + password)), H named by the user."""
    algorithm = HASHES.get(str(live.get("hashing_algorithm")))
    try:
        raw = base64.b64decode(str(live.get("password_hash") or ""), validate=True)
    except ValueError:
        return False
    if algorithm is None or len(raw) < 5 or not password:
        return False
    salt, digest = raw[:4], raw[4:]
    return secrets.compare_digest(algorithm(salt + password.encode()).digest(), digest)


def _inputs(props: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: _norm(props[k]) for k in keys if k in props}


class RabbitVhost(Resource, module="platformbot", name="RabbitVhost"):
    """A vhost; its inputs are name, server, labels, max_connections, max_queues."""

    name: Any
    max_connections: Any
    max_queues: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(VhostProvider(), resource_name, props, opts)


class RabbitVhostUser(Resource, module="platformbot", name="RabbitVhostUser"):
    """A user of one vhost; outputs `password` (mark it secret with additional_secret_outputs)."""

    name: Any
    password: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(VhostUserProvider(), resource_name, {**props, "password": None}, opts)
