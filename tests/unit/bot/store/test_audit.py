from __future__ import annotations

import inspect as pyinspect

import pytest
from sqlalchemy import text

from bot.errors import AppendOnlyViolation
from bot.store import AuditEventRow, Store, repository
from tests.support.store_rows import T0, request_row


def _one_event(store: Store) -> int:
    with store.write() as session:
        row = repository.insert_request(session, request_row())
        assert row.id is not None
        repository.append_audit(
            session,
            AuditEventRow(
                at=T0,
                request_id=row.id,
                actor="U_DEV",
                event="request.submitted",
                to_state="evaluated",
                rulebook_version="rb-1",
                plan_hash=None,
                detail={"why": "test"},
            ),
        )
        return row.id


def test_audit_update_is_refused_by_the_database(store: Store) -> None:
    number = _one_event(store)
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        session.exec(  # type: ignore[call-overload]
            text("UPDATE audit_events SET actor = 'mallory' WHERE request_id = :n"), params={"n": number}
        )
    with store.read() as session:
        assert [e.actor for e in repository.audit_trail(session, number)] == ["U_DEV"]


def test_audit_delete_is_refused_by_the_database(store: Store) -> None:
    number = _one_event(store)
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        session.exec(text("DELETE FROM audit_events WHERE request_id = :n"), params={"n": number})  # type: ignore[call-overload]
    with store.read() as session:
        assert repository.count_audit(session, number) == 1


def test_audit_truncate_is_refused_on_postgresql(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its unqualified DELETE is refused like any DELETE")
    _one_event(store)
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        session.exec(text("TRUNCATE audit_events CASCADE"))  # type: ignore[call-overload]


def test_the_store_offers_no_way_to_change_or_delete_audit_events() -> None:
    names = [name for name, _ in pyinspect.getmembers(repository, pyinspect.isfunction) if "audit" in name]
    assert sorted(names) == ["append_audit", "audit_trail", "count_audit"]


def test_audit_events_keep_who_what_when_rulebook_version_and_plan_hash(store: Store) -> None:
    number = _one_event(store)
    with store.read() as session:
        (event,) = repository.audit_trail(session, number)
    assert (event.actor, event.event, event.to_state, event.rulebook_version) == (
        "U_DEV",
        "request.submitted",
        "evaluated",
        "rb-1",
    )
    assert event.at == T0
    assert event.detail == {"why": "test"}
