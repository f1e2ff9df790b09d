"""Problems a scheduled job reports once, not once per run: an alert opens on the first failing
run (that is when the platform channel hears of it), stays quiet while it lasts, and closes on the
first clean run (the channel hears that too). One open alert per key, enforced by the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select, update

from bot.errors import StoreConflict
from bot.store import ScheduleAlertRow, Store


class Alerts:
    def __init__(self, store: Store) -> None:
        self._store = store

    def raise_(self, key: str, detail: dict[str, Any], now: datetime) -> bool:
        """Note that the problem `key` is happening; True only when this opened it (tell people)."""
        try:
            with self._store.write() as session:
                row = session.exec(
                    select(ScheduleAlertRow).where(ScheduleAlertRow.open_key == key).with_for_update()
                ).first()
                if row is not None:
                    session.exec(
                        update(ScheduleAlertRow)
                        .where(col(ScheduleAlertRow.id) == row.id)
                        .values(last_seen_at=now, detail=detail)
                    )
                    return False
                session.add(
                    ScheduleAlertRow(key=key, open_key=key, opened_at=now, last_seen_at=now, detail=detail)
                )
                session.flush()
                return True
        except StoreConflict:
            return False  # another process opened it at the same moment, and tells people

    def clear(self, key: str, now: datetime) -> bool:
        """The problem is over; True only when an open alert was closed by this call."""
        with self._store.write() as session:
            result = session.exec(
                update(ScheduleAlertRow)
                .where(col(ScheduleAlertRow.open_key) == key)
                .values(open_key=None, closed_at=now, last_seen_at=now)
            )
            return bool(result.rowcount)
