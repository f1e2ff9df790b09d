from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.errors import StoreConflict
from bot.store import ApprovalRow, StackLockRow, Store, repository
from tests.support.store_rows import T0, request_row


def _new_request(store: Store, **overrides: object) -> int:
    with store.write() as session:
        row = repository.insert_request(session, request_row(**overrides))
        assert row.id is not None
        return row.id


def _race(workers: int, work: Callable[[], bool]) -> list[bool]:
    """Run `work` on `workers` threads released at the same instant; their answers."""
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = work()
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_request_numbers_come_from_the_database_in_order(store: Store) -> None:
    first = _new_request(store)
    second = _new_request(store)
    assert second == first + 1


def test_datetimes_come_back_as_aware_utc(store: Store) -> None:
    number = _new_request(store, approvals_expire_at=T0 + timedelta(hours=4))
    with store.read() as session:
        row = repository.get_request(session, number)
    assert row is not None
    assert row.created_at == T0 and row.created_at.tzinfo is not None
    assert row.approvals_expire_at == T0 + timedelta(hours=4)


def test_json_columns_round_trip(store: Store) -> None:
    number = _new_request(store, required_approvals={"security": 2}, requester_groups=["dba"])
    with store.read() as session:
        row = repository.get_request(session, number)
    assert row is not None
    assert row.required_approvals == {"security": 2}
    assert row.requester_groups == ["dba"]
    assert row.intent["name"] == "billing"


def test_compare_and_set_moves_only_from_the_expected_state(store: Store) -> None:
    number = _new_request(store)
    with store.write() as session:
        assert repository.compare_and_set(session, number, {"evaluated"}, "planned", T0, plan_hash="h1")
    with store.write() as session:
        assert not repository.compare_and_set(session, number, {"evaluated"}, "planned", T0)
    with store.read() as session:
        row = repository.get_request(session, number)
    assert row is not None and (row.state, row.plan_hash) == ("planned", "h1")


def test_two_threads_racing_the_same_transition_exactly_one_wins(store: Store) -> None:
    number = _new_request(store, state="awaiting_approval")

    def approve() -> bool:
        with store.write() as session:
            return repository.compare_and_set(session, number, {"awaiting_approval"}, "approved", T0)

    assert sorted(_race(2, approve)) == [False, True]


def test_eight_threads_racing_the_same_transition_exactly_one_wins(store: Store) -> None:
    number = _new_request(store, state="approved")

    def start() -> bool:
        with store.write() as session:
            return repository.compare_and_set(session, number, {"approved"}, "applying", T0)

    assert sorted(_race(8, start)) == [False] * 7 + [True]


def test_the_database_refuses_a_second_identical_approval(store: Store) -> None:
    number = _new_request(store, state="awaiting_approval")
    vote = {
        "request_id": number,
        "approval_round": 0,
        "group": "security",
        "approver": "U_SEC",
        "plan_hash": "h1",
        "approved_at": T0,
    }
    with store.write() as session:
        repository.add_approval(session, ApprovalRow(**vote))
    with pytest.raises(StoreConflict), store.write() as session:
        repository.add_approval(session, ApprovalRow(**vote))
    with store.read() as session:
        assert len(repository.current_approvals(session, number, 0)) == 1


def test_voided_approvals_stop_counting_but_stay_on_record(store: Store) -> None:
    number = _new_request(store, state="awaiting_approval")
    with store.write() as session:
        for approver in ("U_A", "U_B"):
            repository.add_approval(
                session,
                ApprovalRow(
                    request_id=number,
                    approval_round=0,
                    group="security",
                    approver=approver,
                    plan_hash="h1",
                    approved_at=T0,
                ),
            )
    with store.write() as session:
        assert repository.void_approvals(session, number, 0, T0, "plan changed") == 2
    with store.read() as session:
        assert repository.current_approvals(session, number, 0) == []
        assert [a.void_reason for a in repository.all_approvals(session, number)] == ["plan changed"] * 2


def test_foreign_keys_are_enforced(store: Store) -> None:
    orphan = ApprovalRow(
        request_id=999_999, approval_round=0, group="g", approver="U", plan_hash="h", approved_at=T0
    )
    with pytest.raises(StoreConflict), store.write() as session:
        repository.add_approval(session, orphan)


def test_an_unknown_state_is_refused_by_the_database(store: Store) -> None:
    number = _new_request(store)
    with pytest.raises(StoreConflict), store.write() as session:
        repository.compare_and_set(session, number, {"evaluated"}, "teleported", T0)


def _lock(number: int) -> StackLockRow:
    return StackLockRow(
        stack_name=f"stack-{number}",
        request_id=number,
        owner="tok",
        acquired_at=T0,
        expires_at=T0 + timedelta(seconds=30),
    )


def test_a_stack_lock_has_one_holder(store: Store) -> None:
    number = _new_request(store)
    other = _new_request(store)
    with store.write() as session:
        assert repository.try_lock_stack(session, _lock(number))
    with store.write() as session:
        taken = _lock(number)
        taken.request_id = other
        assert not repository.try_lock_stack(session, taken)
        holder = repository.get_lock(session, f"stack-{number}")
    assert holder is not None and holder.request_id == number


def test_a_lock_is_released_only_by_its_holder(store: Store) -> None:
    number = _new_request(store)
    other = _new_request(store)
    with store.write() as session:
        repository.try_lock_stack(session, _lock(number))
    with store.write() as session:
        assert not repository.release_lock(session, f"stack-{number}", other)
        assert repository.release_lock(session, f"stack-{number}", number)
        assert repository.get_lock(session, f"stack-{number}") is None


def test_two_threads_racing_for_a_stack_lock_exactly_one_wins(store: Store) -> None:
    number = _new_request(store)

    def take() -> bool:
        with store.write() as session:
            return repository.try_lock_stack(session, _lock(number))

    assert sorted(_race(2, take)) == [False, True]


def test_a_failed_write_transaction_leaves_nothing_behind(store: Store) -> None:
    number = _new_request(store)
    with pytest.raises(RuntimeError), store.write() as session:
        repository.compare_and_set(session, number, {"evaluated"}, "planned", T0)
        raise RuntimeError("boom")
    with store.read() as session:
        row = repository.get_request(session, number)
    assert row is not None and row.state == "evaluated"


def test_reads_do_not_block_behind_an_open_write(store: Store) -> None:
    number = _new_request(store)
    with store.write() as writer:
        repository.compare_and_set(writer, number, {"evaluated"}, "planned", T0)
        with store.read() as reader:
            row = reader.exec(text("SELECT state FROM requests WHERE id = :n"), params={"n": number}).scalar()  # type: ignore[call-overload]
        assert row == "evaluated"
