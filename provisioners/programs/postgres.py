"""Golden path `postgres-database`: a database and its owner login role on a configured server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pulumi

from intents.intent import Intent
from provisioners.errors import InvalidParameters, ProgramUnavailable
from provisioners.labels import LABELS_INPUT, Labels
from provisioners.programs.base import GoldenPathProgram, PulumiProgram
from provisioners.providers.postgres import (
    ADMIN_DSN_ENV,
    ALLOWED_EXTENSIONS,
    CREDENTIALS_VERSION,
    IDENTIFIER,
    PostgresDatabase,
    PostgresRole,
    server_label,
)
from provisioners.settings import RunnerSettings

ROLE_TYPE = "pulumi-python:dynamic/platformbot:PostgresRole"
DATABASE_TYPE = "pulumi-python:dynamic/platformbot:PostgresDatabase"
SIZE_CONNECTION_LIMITS = {"small": 10, "medium": 50, "large": 200}


@dataclass(frozen=True)
class DatabaseSpec:
    database: str
    owner: str
    connection_limit: int
    extensions: tuple[str, ...]
    server: str
    host: str
    port: int
    # The intent's credentials_version: raising it (`/platform rotate`) issues a new password.
    credentials_version: int = 0


def database_name(intent: Intent) -> str:
    """`billing` in `staging` is `billing_staging`: one server can hold every environment."""
    return re.sub(r"[^a-z0-9_]", "_", f"{intent.name}_{intent.env}".lower())


def database_spec(intent: Intent, settings: RunnerSettings) -> DatabaseSpec:
    if settings.postgres_admin_dsn is None:
        raise ProgramUnavailable(
            "postgres-database is not available here: no PostgreSQL admin DSN is configured "
            "(`postgres_admin_dsn`; for `platformbot plan`: --admin-dsn or PLATFORMBOT_POSTGRES_ADMIN_DSN)."
        )
    dsn = settings.postgres_admin_dsn.get_secret_value()
    try:
        server = server_label(dsn)
    except ValueError as exc:
        raise ProgramUnavailable(
            "postgres-database is not available: the admin DSN cannot be parsed."
        ) from exc
    database = database_name(intent)
    owner = f"{database}_owner"
    if not IDENTIFIER.match(owner):
        raise InvalidParameters(
            f"`{intent.name}` in `{intent.env}` makes the database name `{database}`, which is too long."
        )
    size = str(intent.params.get("size", "small"))
    if size not in SIZE_CONNECTION_LIMITS:
        raise InvalidParameters(f"size `{size}` is not one of {', '.join(SIZE_CONNECTION_LIMITS)}.")
    extensions = _extensions(intent.params.get("extensions", ()))
    refused = sorted(set(extensions) - ALLOWED_EXTENSIONS)
    if refused:
        raise InvalidParameters(f"extension(s) not on the allow list: {', '.join(refused)}.")
    host, _, port = server.rpartition(":")
    return DatabaseSpec(
        database,
        owner,
        SIZE_CONNECTION_LIMITS[size],
        extensions,
        server,
        host,
        int(port),
        credentials_version=intent.credentials_version,
    )


def _extensions(value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, tuple | list) else ()
    return tuple(sorted({str(i).strip() for i in items if str(i).strip()}))


@dataclass(frozen=True)
class PostgresResources:
    role: PostgresRole
    database: PostgresDatabase
    dsn: pulumi.Output[str]


def declare(spec: DatabaseSpec, labels: Labels) -> PostgresResources:
    """Register the role and the database (also what the set_mocks unit tests call). Both carry
    the labels, which the providers keep as a COMMENT (JSON) on the role and on the database."""
    tags = labels.as_input()
    role = PostgresRole(
        "owner",
        {
            "name": spec.owner,
            "connection_limit": spec.connection_limit,
            "login": True,
            "server": spec.server,
            CREDENTIALS_VERSION: spec.credentials_version,
            LABELS_INPUT: tags,
        },
        pulumi.ResourceOptions(additional_secret_outputs=["password"]),
    )
    # The owner is passed as a plain string (with an explicit dependency) rather than role.name
    # so a preview of an update never sees it as unknown and shows a false change.
    database = PostgresDatabase(
        "database",
        {
            "name": spec.database,
            "owner": spec.owner,
            "extensions": list(spec.extensions),
            "server": spec.server,
            LABELS_INPUT: tags,
        },
        pulumi.ResourceOptions(depends_on=[role]),
    )
    dsn = pulumi.Output.secret(role.password.apply(lambda pw: connection_url(spec, pw)))
    return PostgresResources(role, database, dsn)


def build_program(intent: Intent, settings: RunnerSettings, labels: Labels) -> PulumiProgram:
    spec = database_spec(intent, settings)

    def program() -> None:
        made = declare(spec, labels)
        pulumi.export("database", made.database.name)
        pulumi.export("owner", made.role.name)
        pulumi.export("host", spec.host)
        pulumi.export("port", spec.port)
        pulumi.export("connection_limit", spec.connection_limit)
        pulumi.export("extensions", list(spec.extensions))
        pulumi.export("dsn", made.dsn)

    return program


def connection_url(spec: DatabaseSpec, password: Any) -> str:
    host = f"[{spec.host}]" if ":" in spec.host else spec.host
    return (
        f"postgresql://{quote(spec.owner)}:{quote(str(password), safe='')}@{host}:{spec.port}/{spec.database}"
    )


def engine_env(settings: RunnerSettings) -> dict[str, str]:
    if settings.postgres_admin_dsn is None:
        return {}
    return {ADMIN_DSN_ENV: settings.postgres_admin_dsn.get_secret_value()}


PROGRAM = GoldenPathProgram(
    name="postgres-database",
    description="A PostgreSQL database and its owner login role on the configured server.",
    build=build_program,
    resource_types=(ROLE_TYPE, DATABASE_TYPE),
    stateful_types=frozenset({ROLE_TYPE, DATABASE_TYPE}),
    engine_env=engine_env,
    secret_outputs=frozenset({"dsn"}),
    rotates_credentials=True,
)
