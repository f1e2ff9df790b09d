"""Live resources keep their expiry; each step before it (24 h, 1 h warnings, the destroy) is claimed once."""

from __future__ import annotations

from datetime import timedelta

from bot.store import ResourceRow, Store, repository
from bot.store.expiry import (
    EXPIRED,
    WARN_DAY,
    WARN_HOUR,
    claim_step,
    due_resources,
    due_step,
    extended,
    move_expiry,
    set_expiry,
    start_expiry,
)
from tests.support.store_rows import T0, request_row


def _live(store: Store, stack: str) -> None:
    with store.write() as session:
        row = repository.insert_request(session, request_row(stack_name=stack, state="succeeded"))
        assert row.id is not None
        session.add(
            ResourceRow(
                stack_name=stack,
                path="postgres-database",
                owner_team="team-a",
                created_by=row.id,
                request_id=row.id,
                created_at=T0,
                updated_at=T0,
            )
        )


def _read(store: Store, stack: str) -> ResourceRow:
    with store.read() as session:
        live = repository.get_resource(session, stack)
    assert live is not None
    return live


def test_an_expiry_is_stored_on_the_live_resource_and_can_be_removed(store: Store) -> None:
    _live(store, "expiry-stored")
    with store.write() as session:
        assert set_expiry(session, "expiry-stored", T0 + timedelta(days=3))
    assert _read(store, "expiry-stored").expires_at == T0 + timedelta(days=3)
    with store.write() as session:
        assert set_expiry(session, "expiry-stored", None)
        assert not set_expiry(session, "no-such-stack", None)
    assert _read(store, "expiry-stored").expires_at is None


def test_steps_come_due_in_order_and_each_is_claimed_once(store: Store) -> None:
    _live(store, "expiry-steps")
    expires = T0 + timedelta(days=3)
    with store.write() as session:
        set_expiry(session, "expiry-steps", expires)
    live = _read(store, "expiry-steps")
    assert due_step(live, expires - timedelta(hours=25)) is None
    assert due_step(live, expires - timedelta(hours=23)) == WARN_DAY
    with store.read() as session:
        due = due_resources(session, expires - timedelta(hours=23))
        assert [r.stack_name for r in due] == ["expiry-steps"]
        assert due_resources(session, expires - timedelta(hours=25)) == []
    with store.write() as session:
        assert claim_step(session, live, WARN_DAY)
        # A second replica read the same row before the claim: its claim misses.
        assert not claim_step(session, live, WARN_DAY)
    live = _read(store, "expiry-steps")
    assert due_step(live, expires - timedelta(hours=23)) is None
    assert due_step(live, expires - timedelta(minutes=30)) == WARN_HOUR
    # A process that slept through the 1 h warning goes straight to the destroy.
    assert due_step(live, expires) == EXPIRED
    with store.write() as session:
        assert claim_step(session, live, EXPIRED)
    assert due_step(_read(store, "expiry-steps"), expires + timedelta(days=1)) is None


def test_an_expiry_moved_after_it_was_read_makes_the_stale_claim_miss(store: Store) -> None:
    _live(store, "expiry-moved")
    with store.write() as session:
        set_expiry(session, "expiry-moved", T0 + timedelta(hours=12))
    stale = _read(store, "expiry-moved")
    with store.write() as session:
        set_expiry(session, "expiry-moved", T0 + timedelta(days=2))
        assert not claim_step(session, stale, WARN_DAY)
    assert _read(store, "expiry-moved").expiry_notice is None


def test_extend_moves_by_the_step_up_to_the_max_after_creation(store: Store) -> None:
    _live(store, "expiry-extend")
    with store.write() as session:
        set_expiry(session, "expiry-extend", T0 + timedelta(days=3))
    live = _read(store, "expiry-extend")
    assert extended(live, timedelta(days=1), timedelta(days=14)) == T0 + timedelta(days=4)
    assert extended(live, timedelta(days=1), timedelta(days=3, hours=6)) == T0 + timedelta(days=3, hours=6)
    assert extended(live, timedelta(days=1), timedelta(days=3)) is None
    with store.write() as session:
        set_expiry(session, "expiry-extend", None)
    live = _read(store, "expiry-extend")
    assert extended(live, timedelta(days=1), timedelta(days=14)) is None
    assert due_step(live, T0 + timedelta(days=30)) is None


def test_a_move_applies_only_to_the_expiry_that_was_seen_and_not_after_the_destroy_was_asked(
    store: Store,
) -> None:
    _live(store, "expiry-move")
    seen = T0 + timedelta(days=1)
    with store.write() as session:
        set_expiry(session, "expiry-move", seen)
        assert move_expiry(session, "expiry-move", seen, seen + timedelta(days=1), T0)
        # The same click again (a double click, a stale DM): the expiry it saw is gone.
        assert not move_expiry(session, "expiry-move", seen, seen + timedelta(days=1), T0)
    live = _read(store, "expiry-move")
    assert live.expires_at == seen + timedelta(days=1) and live.expiry_notice is None
    with store.write() as session:
        assert claim_step(session, live, EXPIRED)
        assert not move_expiry(session, "expiry-move", seen + timedelta(days=1), None, T0)
    assert _read(store, "expiry-move").expires_at == seen + timedelta(days=1)


def test_a_move_at_or_after_the_expiry_moment_is_refused_before_the_job_asked_for_the_destroy(
    store: Store,
) -> None:
    _live(store, "expiry-late")
    seen = T0 + timedelta(minutes=3)
    with store.write() as session:
        set_expiry(session, "expiry-late", seen)
        assert not move_expiry(session, "expiry-late", seen, seen + timedelta(days=1), seen)
        assert not move_expiry(session, "expiry-late", seen, None, seen + timedelta(seconds=30))
    late = _read(store, "expiry-late")
    assert late.expires_at == seen and late.expiry_notice is None  # the job's destroy is still to come


def test_only_the_request_that_created_a_resource_starts_its_expiry(store: Store) -> None:
    _live(store, "expiry-start")
    creator = _read(store, "expiry-start").created_by
    with store.write() as session:
        assert start_expiry(session, "expiry-start", creator + 1, timedelta(days=1)) is None
        assert start_expiry(session, "expiry-start", creator, timedelta(days=1)) == T0 + timedelta(days=1)
        # Started once: a resumed apply of the same request does not move it again.
        assert start_expiry(session, "expiry-start", creator, timedelta(days=2)) is None
    assert _read(store, "expiry-start").expires_at == T0 + timedelta(days=1)
