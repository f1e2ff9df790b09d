"""The Pulumi CLI's PostgreSQL state backend (`backend_url: postgres://...`), made ready once.

The CLI runs its schema at every login (pkg/backend/diy/postgres/schema.sql, CLI 3.259.0) with
`CREATE TABLE IF NOT EXISTS`, which is not safe against itself: two first logins at once race on
the catalog and one fails ("duplicate key value violates unique constraint pg_type_typname_nsp_index").
A fleet's replicas and workers start together, so before its first engine call each runner makes
the same table under an advisory lock; every later `IF NOT EXISTS` is then a no-op.
"""

from __future__ import annotations

import logging

import psycopg

from provisioners.engine import redact_urls

log = logging.getLogger("provisioners.state_backend")

SCHEMES = ("postgres://", "postgresql://")

# The CLI's own schema, word for word in effect: a different table would not be the one it uses.
SCHEMA = """
CREATE TABLE IF NOT EXISTS pulumi_state (
    key TEXT PRIMARY KEY,
    data JSON NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS pulumi_state_key_prefix_idx ON pulumi_state (key text_pattern_ops);
"""
# Any fixed number: every platformbot process takes the same advisory lock for the schema.
_SCHEMA_LOCK = 0x706C7462  # "pltb"


def is_postgres_backend(url: str) -> bool:
    return url.startswith(SCHEMES)


def prepare_postgres_backend(url: str) -> None:
    """Create the backend's table once, whoever else starts at the same moment. A server that
    cannot be reached is left to the engine call, which reports it in its own words."""
    dsn = "postgresql://" + url.split("://", 1)[1]
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
            try:
                conn.execute(SCHEMA)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))
    except psycopg.Error as exc:
        log.warning("could not prepare the Pulumi state backend %s: %s", redact_urls(url), exc)
