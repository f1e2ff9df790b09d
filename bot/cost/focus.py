"""Reading a FinOps FOCUS 1.x cost export (CSV): every row checked, every problem located.

Pure: text in, rows or a FocusError out. A file is taken whole or not at all, so one bad row
refuses the file, and the error lists every bad row by its line number (the header is line 1;
a quoted value spanning lines counts from the line its row starts on).

Columns read (FOCUS 1.x names): `BilledCost` and/or `EffectiveCost` (at least one; the amount
compared with estimates is EffectiveCost, the cost after discounts and commitments, falling back
to BilledCost), `BillingPeriodStart` (required), `BillingPeriodEnd`, `BillingCurrency`,
`ResourceId`, `ResourceName`, `ServiceName`, `Tags` (a JSON object) and every `x_` column
(kept as they are). Other FOCUS columns are ignored.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from bot.cost.errors import CostError

COST_COLUMNS = ("BilledCost", "EffectiveCost")
REQUIRED = ("BillingPeriodStart",)
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class FocusError(CostError):
    """The file cannot be imported; `problems` says where and why (nothing of it was imported)."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        super().__init__(shown + (f"\n... and {more} more" if more > 0 else ""))


@dataclass(frozen=True)
class FocusRow:
    line: int
    billing_period_start: datetime
    billing_period_end: datetime | None
    billed_cost: Decimal | None
    effective_cost: Decimal | None
    currency: str | None
    resource_id: str
    resource_name: str
    service_name: str
    tags: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def cost(self) -> Decimal:
        """The amount set against estimates: EffectiveCost, else BilledCost."""
        chosen = self.effective_cost if self.effective_cost is not None else self.billed_cost
        assert chosen is not None  # parse_focus refuses a row with neither
        return chosen


def parse_focus(text: str) -> list[FocusRow]:
    """Every charge row of a FOCUS CSV export; FocusError lists each bad row (line, reason)."""
    text = text.removeprefix("\ufeff")  # spreadsheets write a byte-order mark
    if not text.strip():
        raise FocusError([RowProblem(1, "the file is empty (no header, no rows)")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as exc:
        raise FocusError([RowProblem(1, f"the header is not CSV: {exc}")]) from exc
    missing = [c for c in REQUIRED if c not in header]
    if not any(c in header for c in COST_COLUMNS):
        missing.append(" or ".join(COST_COLUMNS))
    if missing:
        found = ", ".join(header) or "nothing"
        raise FocusError([RowProblem(1, f"missing column {', '.join(missing)} (the header has {found})")])
    rows: list[FocusRow] = []
    problems: list[RowProblem] = []
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader cannot go on past broken quoting: the rest of the file is not read.
            problems.append(RowProblem(start, f"not CSV: {exc}"))
            break
        if not values:
            continue  # a blank line
        if len(values) != len(header):
            problems.append(RowProblem(start, f"{len(values)} values, the header has {len(header)}"))
            continue
        try:
            rows.append(_row(start, dict(zip(header, values, strict=True))))
        except ValueError as exc:
            problems.append(RowProblem(start, str(exc)))
    if problems:
        raise FocusError(problems)
    if not rows:
        raise FocusError([RowProblem(1, "the file has a header but no rows")])
    return rows


def _row(line: int, record: dict[str, str]) -> FocusRow:
    costs = {c: _money(c, record.get(c)) for c in COST_COLUMNS}
    if all(v is None for v in costs.values()):
        raise ValueError(f"no cost: {' and '.join(c for c in COST_COLUMNS if c in record)} empty")
    return FocusRow(
        line=line,
        billing_period_start=_required_date("BillingPeriodStart", record.get("BillingPeriodStart")),
        billing_period_end=_date("BillingPeriodEnd", record.get("BillingPeriodEnd")),
        billed_cost=costs["BilledCost"],
        effective_cost=costs["EffectiveCost"],
        currency=(record.get("BillingCurrency") or "").strip().upper() or None,
        resource_id=(record.get("ResourceId") or "").strip(),
        resource_name=(record.get("ResourceName") or "").strip(),
        service_name=(record.get("ServiceName") or "").strip(),
        tags=_tags(record.get("Tags")),
        extra={k: v for k, v in record.items() if k.startswith("x_") and v},
    )


def _money(column: str, value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{column} `{value.strip()[:40]}` is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{column} `{value.strip()[:40]}` is not a number")
    return amount


def _required_date(column: str, value: str | None) -> datetime:
    found = _date(column, value)
    if found is None:
        raise ValueError(f"{column} is empty")
    return found


def _date(column: str, value: str | None) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{column} `{value.strip()[:40]}` is not an ISO 8601 date-time") from None
    # FOCUS date-times are UTC; one written without a zone is read as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _tags(value: str | None) -> dict[str, str]:
    if value is None or not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Tags is not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(parsed, dict):
        raise ValueError("Tags is JSON but not an object of key-value pairs")
    # FOCUS tag values are strings; a number or true written bare is read as its text.
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in parsed.items()}


def currency_problems(rows: list[FocusRow], currency: str) -> list[RowProblem]:
    """Rows billed in another currency than the price book's: estimates cannot be set against them
    (convert the export first); a row without BillingCurrency is taken to be in `currency`."""
    return [
        RowProblem(r.line, f"BillingCurrency {r.currency}, the price book is in {currency}")
        for r in rows
        if r.currency is not None and r.currency != currency
    ]
