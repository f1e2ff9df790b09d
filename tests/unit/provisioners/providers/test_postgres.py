from __future__ import annotations

import pytest

from provisioners.providers.failure import ProviderFailure, user_message
from provisioners.providers.postgres import (
    ADMIN_DSN_ENV,
    UNKNOWN,
    DatabaseProvider,
    RoleProvider,
    admin_dsn,
    server_label,
)

ROLE = {
    "name": "billing_staging_owner",
    "connection_limit": 10,
    "login": True,
    "server": "db:5432",
    "password": "pw",
}
DATABASE = {
    "name": "billing_staging",
    "owner": "billing_staging_owner",
    "extensions": ["citext"],
    "server": "db:5432",
}


def test_a_connection_limit_change_is_an_update_of_that_key_only() -> None:
    result = RoleProvider().diff("billing_staging_owner", ROLE, {**ROLE, "connection_limit": 50.0})
    assert result.changes is True
    assert result.replaces == []


def test_numbers_that_come_back_as_floats_are_not_a_change() -> None:
    assert RoleProvider().diff("x", {**ROLE, "connection_limit": 10.0}, {**ROLE}).changes is False


def test_a_rename_needs_a_replacement() -> None:
    result = DatabaseProvider().diff("billing_staging", DATABASE, {**DATABASE, "name": "billing_prod"})
    assert result.changes is True
    assert result.replaces == ["name"]


def test_a_move_to_another_server_needs_a_replacement() -> None:
    assert RoleProvider().diff("x", ROLE, {**ROLE, "server": "other:5432"}).replaces == ["server"]


def test_extension_order_does_not_matter_but_membership_does() -> None:
    provider = DatabaseProvider()
    two = {**DATABASE, "extensions": ["citext", "pgcrypto"]}
    assert provider.diff("x", two, {**two, "extensions": ["pgcrypto", "citext"]}).changes is False
    result = provider.diff("x", DATABASE, two)
    assert result.changes is True and result.replaces == []


def test_an_unknown_value_counts_as_a_change() -> None:
    assert DatabaseProvider().diff("x", DATABASE, {**DATABASE, "owner": UNKNOWN}).changes is True


def test_check_refuses_extensions_off_the_allow_list_and_odd_identifiers() -> None:
    result = DatabaseProvider().check({}, {**DATABASE, "name": "Robert'); DROP", "extensions": ["plperlu"]})
    assert {f.property for f in result.failures} == {"name", "extensions"}


def test_check_of_an_existing_role_accepts_good_values_without_asking_the_server() -> None:
    assert RoleProvider().check(dict(ROLE), {**ROLE, "connection_limit": 50}).failures == []


def test_check_before_a_create_needs_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ADMIN_DSN_ENV, raising=False)
    with pytest.raises(ProviderFailure, match="no PostgreSQL admin DSN"):
        RoleProvider().check({}, dict(ROLE))


def test_server_label_has_no_credentials() -> None:
    assert server_label("postgresql://admin:secret@10.0.0.5:6543/postgres") == "10.0.0.5:6543"
    assert server_label("host=db user=admin password=secret") == "db:5432"


def test_admin_dsn_comes_from_the_environment_and_must_match_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ADMIN_DSN_ENV, raising=False)
    with pytest.raises(ProviderFailure, match="no PostgreSQL admin DSN"):
        admin_dsn("db:5432")
    monkeypatch.setenv(ADMIN_DSN_ENV, "postgresql://admin:pw@other:5432/postgres")
    with pytest.raises(ProviderFailure, match="points at other:5432"):
        admin_dsn("db:5432")
    monkeypatch.setenv(ADMIN_DSN_ENV, "postgresql://admin:pw@db:5432/postgres")
    assert "dbname=billing" in admin_dsn("db:5432", "billing")


def test_a_provider_failure_carries_a_marker_the_runner_can_find() -> None:
    failure = ProviderFailure("role x already exists")
    engine_line = f"error: Exception calling application: {failure}"
    assert user_message(engine_line) == "role x already exists"
    assert user_message("error: something else entirely") is None
