"""The store side of bill imports: a FOCUS file in (whole, in one transaction), reports out.

`import_focus` parses and checks the whole file before it writes anything, attributes each charge
(bot.cost.attribution) against every stack the bot ever built, and stores the file and its charges
in one transaction: a bad row, a duplicate file or a failing database leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlmodel import col, select

from bot.cost.attribution import attribute_all
from bot.cost.bill import Charge, PeriodBill, compare, period_of
from bot.cost.errors import AlreadyImported
from bot.cost.focus import FocusError, RowProblem, currency_problems, parse_focus
from bot.cost.history import StackChange
from bot.cost.reading import stack_changes
from bot.errors import StoreConflict
from bot.store import CostImportChargeRow, CostImportRow, Store

ZERO = Decimal(0)


@dataclass(frozen=True)
class ImportSummary:
    import_id: int
    filename: str
    imported_at: datetime
    rows: int
    total: Decimal
    attributed: Decimal
    currency: str
    bills: tuple[PeriodBill, ...]

    @property
    def share(self) -> Decimal | None:
        return None if self.total == 0 else self.attributed / self.total


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_focus(
    store: Store, data: bytes, *, filename: str, now: datetime, imported_by: str, currency: str
) -> ImportSummary:
    """Import one FOCUS export; FocusError (bad rows, by line) or AlreadyImported store nothing."""
    digest = file_digest(data)
    with store.read() as session:
        seen = session.exec(select(CostImportRow).where(col(CostImportRow.sha256) == digest)).first()
    if seen is not None:
        assert seen.id is not None
        raise AlreadyImported(seen.id, seen.filename, f"{seen.imported_at:%Y-%m-%d %H:%M} UTC")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FocusError([_line_of(data, exc.start)]) from exc
    rows = parse_focus(text)
    wrong_currency = currency_problems(rows, currency)
    if wrong_currency:
        raise FocusError(wrong_currency)
    changes = stack_changes(store)
    attributed = attribute_all(rows, changes)
    periods = [period_of(r.billing_period_start, r.billing_period_end) for r in rows]
    header = CostImportRow(
        sha256=digest,
        filename=filename,
        imported_at=now,
        imported_by=imported_by,
        rows=len(rows),
        currency=currency,
        total=sum((r.cost for r in rows), ZERO),
        attributed=sum((r.cost for r, a in attributed if a.team), ZERO),
        period_start=min(start for start, _ in periods),
        period_end=max(end for _, end in periods),
    )
    try:
        with store.write() as session:
            session.add(header)
            session.flush()
            assert header.id is not None
            for row, found in attributed:
                session.add(
                    CostImportChargeRow(
                        import_id=header.id,
                        line=row.line,
                        billing_period_start=row.billing_period_start,
                        billing_period_end=row.billing_period_end,
                        billed_cost=row.billed_cost,
                        effective_cost=row.effective_cost,
                        cost=row.cost,
                        currency=row.currency,
                        resource_id=row.resource_id,
                        resource_name=row.resource_name,
                        service_name=row.service_name,
                        tags=row.tags,
                        extra=row.extra,
                        team=found.team,
                        path=found.path,
                        stack_name=found.stack_name,
                        request_id=found.request_id,
                        matched_by=found.matched_by,
                    )
                )
    except StoreConflict as exc:
        # Another import of the same file won the race (the SHA-256 is unique).
        raise AlreadyImported(0, filename, "just now") from exc
    summary = latest_import(store, changes)
    assert summary is not None
    return summary


def _line_of(data: bytes, offset: int) -> RowProblem:
    return RowProblem(data[:offset].count(b"\n") + 1, "not UTF-8 text")


def latest_import(store: Store, changes: list[StackChange] | None = None) -> ImportSummary | None:
    """The newest import with its estimate-against-actual per billing period, or None."""
    with store.read() as session:
        header = session.exec(select(CostImportRow).order_by(col(CostImportRow.id).desc())).first()
        if header is None:
            return None
        charges = session.exec(
            select(CostImportChargeRow).where(col(CostImportChargeRow.import_id) == header.id)
        ).all()
    history = stack_changes(store) if changes is None else changes
    bills = compare(
        (
            Charge(
                amount=c.cost,
                period_start=c.billing_period_start,
                period_end=c.billing_period_end,
                team=c.team,
                path=c.path,
            )
            for c in charges
        ),
        history,
    )
    assert header.id is not None
    return ImportSummary(
        import_id=header.id,
        filename=header.filename,
        imported_at=header.imported_at,
        rows=header.rows,
        total=header.total,
        attributed=header.attributed,
        currency=header.currency or "",
        bills=tuple(bills),
    )
