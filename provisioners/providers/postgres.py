"""Dynamic providers for a PostgreSQL login role and a database it owns.

The admin DSN is read from the provider process's environment (the runner sets it), never from
the resource's inputs: it would otherwise be pickled into the state and a rotated admin password
would break every later delete. Inputs carry `server` (host:port, no credentials) instead, so a
move to another server shows in the plan as a replacement.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
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

ADMIN_DSN_ENV = "PLATFORMBOT_POSTGRES_ADMIN_DSN"
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Extensions shipped with PostgreSQL's contrib that need no extra server configuration.
ALLOWED_EXTENSIONS = frozenset(
    {"btree_gin", "btree_gist", "citext", "fuzzystrmatch", "hstore", "intarray", "ltree", "pg_trgm",
     "pgcrypto", "tablefunc", "unaccent", "uuid-ossp"}
)  # fmt: skip
# The engine's placeholder for a value a preview cannot know yet (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def server_label(dsn: str) -> str:
    """`host:port` of a DSN, for plans and state: identifies the server without credentials."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ValueError("the PostgreSQL admin DSN cannot be parsed") from exc
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"


def admin_dsn(server: str, dbname: str | None = None) -> str:
    dsn = os.environ.get(ADMIN_DSN_ENV)
    if not dsn:
        raise ProviderFailure(f"no PostgreSQL admin DSN is configured for {server}")
    if server_label(dsn) != server:
        raise ProviderFailure(f"the configured admin DSN points at {server_label(dsn)}, not {server}")
    return make_conninfo(dsn, dbname=dbname) if dbname else dsn


@contextmanager
def admin_connection(
    server: str, action: str, dbname: str | None = None
) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit admin connection (CREATE/DROP DATABASE refuse to run in a transaction)."""
    try:
        with psycopg.connect(admin_dsn(server, dbname), autocommit=True, connect_timeout=10) as conn:
            yield conn
    except psycopg.OperationalError as exc:
        if exc.sqlstate:  # the server answered: its message is about our statement
            raise ProviderFailure(f"PostgreSQL on {server} refused to {action}: {_primary(exc)}") from exc
        raise ProviderFailure(f"cannot connect to PostgreSQL on {server} to {action}") from exc
    except psycopg.Error as exc:
        raise ProviderFailure(f"PostgreSQL on {server} refused to {action}: {_primary(exc)}") from exc


def _primary(exc: psycopg.Error) -> str:
    return exc.diag.message_primary or type(exc).__name__


def _norm(value: Any) -> Any:
    # Numbers come back from the engine as floats; lists are compared as sets of names.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return sorted(_norm(v) for v in value)
    return value


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if news.get(k) == UNKNOWN or _norm(olds.get(k)) != _norm(news.get(k))]


# Rotation (`/platform rotate`): the program passes the intent's credentials_version; a higher one
# than the state's makes update() issue a new password. A state from before rotation has none,
# which counts as 0, so upgrading the bot shows no change.
CREDENTIALS_VERSION = "credentials_version"


def _version(props: Mapping[str, Any]) -> dict[str, Any]:
    value = props.get(CREDENTIALS_VERSION)
    return {CREDENTIALS_VERSION: value if value == UNKNOWN else _norm(value or 0)}


def rotation_keys(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """[credentials_version] when the new inputs ask for other credentials than the state holds."""
    return [CREDENTIALS_VERSION] if _version(olds) != _version(news) else []


def _check_identifier(failures: list[CheckFailure], props: Mapping[str, Any], key: str) -> None:
    value = props.get(key)
    if value != UNKNOWN and not (isinstance(value, str) and IDENTIFIER.match(value)):
        failures.append(CheckFailure(key, f"{value!r} is not a plain PostgreSQL identifier"))


# What a role this provider created says about itself (COMMENT ON ROLE, written in the same
# transaction as CREATE ROLE). An apply killed after the create but before Pulumi recorded it
# leaves such a role behind; the resumed apply adopts it instead of failing on the name. A role
# without the mark (made by hand, or by anyone else) is never adopted.
CREATED_MARK = "created by platformbot"
# The comment is also where the attribution labels live (PostgreSQL has no tags; a COMMENT is
# what catalog tools and `\l+`/`\du+` show): JSON holding the mark and the labels, on the role and
# on the database, e.g. {"created_by":"platformbot","labels":{"team":"payments",...}}. Roles
# commented with the bare mark (before labels) still count as ours.
CREATED_BY = "platformbot"
_ROLE_COMMENT = "SELECT shobj_description(r.oid, 'pg_authid') FROM pg_roles r WHERE r.rolname = %s"
_DATABASE_OWNER_COMMENT = (
    "SELECT shobj_description(r.oid, 'pg_authid') FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba"
    " WHERE d.datname = %s AND r.rolname = %s"
)
_DATABASE_COMMENT = "SELECT shobj_description(d.oid, 'pg_database') FROM pg_database d WHERE d.datname = %s"


def labels_comment(labels: Mapping[str, Any] | None) -> str:
    """The COMMENT text of a role or database: the mark and the labels, as canonical JSON."""
    body = {"created_by": CREATED_BY, "labels": dict(labels or {})}
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _comment_json(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def comment_is_ours(text: Any) -> bool:
    parsed = _comment_json(text)
    return text == CREATED_MARK or (parsed is not None and parsed.get("created_by") == CREATED_BY)


def comment_labels(text: Any) -> dict[str, str]:
    """The labels a COMMENT holds; {} when it holds none (edited by hand into something else)."""
    parsed = _comment_json(text) or {}
    labels = parsed.get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _check_free(
    failures: list[CheckFailure], news: Mapping[str, Any], kind: str, query: str, ours: Callable[[Any], bool]
) -> None:
    """Before a create, look the name up: a clash then fails the preview, not the apply (unless
    what is there is this provider's own leftover of an interrupted apply, see CREATED_MARK)."""
    name, server = news.get("name"), news.get("server")
    if not isinstance(name, str) or not isinstance(server, str) or UNKNOWN in (name, server):
        return
    with admin_connection(server, f"check whether {kind} {name} exists") as conn:
        if conn.execute(query, (name,)).fetchone() is not None and not ours(conn):
            failures.append(CheckFailure("name", f'{kind} "{name}" already exists on {server}'))


def _role_is_ours(conn: Any, name: Any) -> bool:
    row = conn.execute(_ROLE_COMMENT, (name,)).fetchone()
    return row is not None and comment_is_ours(row[0])


def _database_is_ours(conn: Any, name: Any, owner: Any) -> bool:
    row = conn.execute(_DATABASE_OWNER_COMMENT, (name, owner)).fetchone()
    return row is not None and comment_is_ours(row[0])


class RoleProvider(ResourceProvider):
    """A LOGIN role with a generated password and a connection limit."""

    KEYS = ("name", "connection_limit", "login", "server", "labels")
    REPLACE_KEYS = ("name", "server")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _check_identifier(failures, news, "name")
        limit = news.get("connection_limit")
        if not isinstance(limit, int | float) or _norm(limit) < -1:
            failures.append(CheckFailure("connection_limit", f"{limit!r} is not a connection limit"))
        if not olds and not failures:
            name = news.get("name")
            _check_free(
                failures,
                news,
                "role",
                "SELECT 1 FROM pg_roles WHERE rolname = %s",
                lambda c: _role_is_ours(c, name),
            )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = changed_keys(olds, news, self.KEYS) + rotation_keys(olds, news)
        return DiffResult(changes=bool(keys), replaces=[k for k in keys if k in self.REPLACE_KEYS])

    def create(self, props: dict[str, Any]) -> CreateResult:
        name, server, limit = props["name"], props["server"], _norm(props["connection_limit"])
        password = secrets.token_urlsafe(24)
        with admin_connection(server, f"create role {name}") as conn, conn.transaction():
            # Adopt this provider's own leftover (an interrupted apply): a new password, as for a create.
            verb = "ALTER" if _role_is_ours(conn, name) else "CREATE"
            conn.execute(
                sql.SQL(verb + " ROLE {} LOGIN PASSWORD {} CONNECTION LIMIT {}").format(
                    sql.Identifier(name), sql.Literal(password), sql.Literal(limit)
                )
            )
            conn.execute(
                sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(labels_comment(props.get("labels")))
                )
            )
        return CreateResult(name, {**_inputs(props, self.KEYS), **_version(props), "password": password})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        server = props["server"]
        with admin_connection(server, f"read role {id_}") as conn:
            row = conn.execute(
                "SELECT rolconnlimit, rolcanlogin, shobj_description(oid, 'pg_authid')"
                " FROM pg_roles WHERE rolname = %s",
                (id_,),
            ).fetchone()
        if row is None:
            return ReadResult(None, {})
        live = {**_inputs(props, self.KEYS), "name": id_, "connection_limit": row[0], "login": row[1]}
        if "labels" in props:  # a role from before labels has none to compare
            live["labels"] = comment_labels(row[2])
        live |= _version(props)
        return ReadResult(id_, {**live, "password": props.get("password")}, live)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        name, server = news["name"], news["server"]
        login = sql.SQL("LOGIN" if news.get("login", True) else "NOLOGIN")
        password = olds.get("password")
        rotate = bool(rotation_keys(olds, news))
        # One transaction: a failed update leaves the old password working, as the state says.
        with admin_connection(server, f"alter role {name}") as conn, conn.transaction():
            if rotate:
                # A rotation: a new password; the old one stops working with the commit.
                password = secrets.token_urlsafe(24)
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(password))
                )
            conn.execute(
                sql.SQL("ALTER ROLE {} {} CONNECTION LIMIT {}").format(
                    sql.Identifier(name), login, sql.Literal(_norm(news["connection_limit"]))
                )
            )
            conn.execute(
                sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(labels_comment(news.get("labels")))
                )
            )
        return UpdateResult({**_inputs(news, self.KEYS), **_version(news), "password": password})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        with admin_connection(props["server"], f"drop role {id_}") as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(id_)))


class DatabaseProvider(ResourceProvider):
    """A database owned by a role, with allow-listed extensions."""

    KEYS = ("name", "owner", "extensions", "server", "labels")
    REPLACE_KEYS = ("name", "server")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        _check_identifier(failures, news, "name")
        _check_identifier(failures, news, "owner")
        refused = sorted(set(news.get("extensions") or []) - ALLOWED_EXTENSIONS)
        if refused:
            failures.append(CheckFailure("extensions", f"not allowed: {', '.join(refused)}"))
        if not olds and not failures:
            name, owner = news.get("name"), news.get("owner")
            _check_free(
                failures,
                news,
                "database",
                "SELECT 1 FROM pg_database WHERE datname = %s",
                lambda c: _database_is_ours(c, name, owner),
            )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = changed_keys(olds, news, self.KEYS)
        return DiffResult(changes=bool(keys), replaces=[k for k in keys if k in self.REPLACE_KEYS])

    def create(self, props: dict[str, Any]) -> CreateResult:
        name, server = props["name"], props["server"]
        with admin_connection(server, f"create database {name}") as conn:
            # A database an interrupted apply created, owned by this provider's role: adopt it.
            if not _database_is_ours(conn, name, props["owner"]):
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(props["owner"])
                    )
                )
            self._comment(conn, name, props)
        try:
            self._set_extensions(server, name, set(props.get("extensions") or []), set())
        except ProviderFailure:
            # Create must be all or nothing: the engine records no resource when it fails.
            self.delete(name, props)
            raise
        return CreateResult(name, _inputs(props, self.KEYS))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        server = props["server"]
        with admin_connection(server, f"read database {id_}") as conn:
            row = conn.execute(
                "SELECT pg_get_userbyid(datdba), shobj_description(oid, 'pg_database')"
                " FROM pg_database WHERE datname = %s",
                (id_,),
            ).fetchone()
        if row is None:
            return ReadResult(None, {})
        live = {
            **_inputs(props, self.KEYS),
            "name": id_,
            "owner": row[0],
            "extensions": self._extensions(server, id_),
        }
        if "labels" in props:  # a database from before labels has none to compare
            live["labels"] = comment_labels(row[1])
        return ReadResult(id_, live, live)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        name, server = news["name"], news["server"]
        if olds.get("owner") != news["owner"]:
            with admin_connection(server, f"change the owner of {name}") as conn:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                        sql.Identifier(name), sql.Identifier(news["owner"])
                    )
                )
        if olds.get("labels") != news.get("labels"):
            with admin_connection(server, f"label database {name}") as conn:
                self._comment(conn, name, news)
        self._set_extensions(
            server, name, set(news.get("extensions") or []), set(olds.get("extensions") or [])
        )
        return UpdateResult(_inputs(news, self.KEYS))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # FORCE (PostgreSQL 13+) ends open sessions; the request was to remove the database.
        with admin_connection(props["server"], f"drop database {id_}") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(id_)))

    def _comment(self, conn: Any, name: str, props: Mapping[str, Any]) -> None:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(labels_comment(props.get("labels")))
            )
        )

    def _extensions(self, server: str, dbname: str) -> list[str]:
        with admin_connection(server, f"list extensions in {dbname}", dbname) as conn:
            rows = conn.execute(
                "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"
            ).fetchall()
        return [r[0] for r in rows]

    def _set_extensions(self, server: str, dbname: str, wanted: set[str], had: set[str]) -> None:
        if wanted == had:
            return
        with admin_connection(server, f"change extensions in {dbname}", dbname) as conn:
            for ext in sorted(wanted - had):
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
            for ext in sorted(had - wanted):
                conn.execute(sql.SQL("DROP EXTENSION IF EXISTS {}").format(sql.Identifier(ext)))


def _inputs(props: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: _norm(props[k]) for k in keys if k in props}


class PostgresRole(Resource, module="platformbot", name="PostgresRole"):
    """A login role; outputs `password` (mark it secret with additional_secret_outputs)."""

    name: Any
    password: Any
    connection_limit: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(RoleProvider(), resource_name, {**props, "password": None}, opts)


class PostgresDatabase(Resource, module="platformbot", name="PostgresDatabase"):
    name: Any
    owner: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(DatabaseProvider(), resource_name, props, opts)
