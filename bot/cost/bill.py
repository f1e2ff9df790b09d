"""Estimate against actual, per billing period, team and golden path; and the share attributed.

Pure. The actual is the sum of a period's charges (EffectiveCost, see bot.cost.focus). The
estimate is what the stacks' run-rates (bot.cost.history) come to over the same period: each
stack's monthly run-rate times the part of the period it was live, with a billing period taken
as the month it prices (FOCUS exports are monthly; a row without BillingPeriodEnd spans the
calendar month from its start). A stack without an estimate adds nothing and is not shown as 0:
`estimate` is None for a name no estimated stack had in the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bot.cost.history import StackChange
from bot.cost.showback import NO_TEAM

ZERO = Decimal(0)
UNATTRIBUTED = "(not attributed)"


@dataclass(frozen=True)
class Charge:
    amount: Decimal
    period_start: datetime
    period_end: datetime | None
    team: str | None
    path: str | None


def period_of(start: datetime, end: datetime | None) -> tuple[datetime, datetime]:
    if end is not None and end > start:
        return start, end
    month = start.month % 12 + 1
    return start, start.replace(year=start.year + (start.month == 12), month=month)


@dataclass(frozen=True)
class Line:
    name: str
    estimate: Decimal | None
    actual: Decimal

    @property
    def difference(self) -> Decimal | None:
        return None if self.estimate is None else self.actual - self.estimate


@dataclass(frozen=True)
class PeriodBill:
    since: datetime
    until: datetime
    total: Decimal
    # Spend on rows that name a team (by tag or through the stack they belong to).
    attributed: Decimal
    rows: int
    attributed_rows: int
    by_team: tuple[Line, ...]
    by_path: tuple[Line, ...]

    @property
    def share(self) -> Decimal | None:
        """Attributed ÷ total spend; None for a period whose charges add up to 0 (credits)."""
        return None if self.total == 0 else self.attributed / self.total


def estimated(
    changes: Sequence[StackChange], since: datetime, until: datetime
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """(by team, by path): each stack's run-rate times the share of [since, until) it was live."""
    # Whole microseconds, so a stack live for half the period is exactly half its run-rate.
    length = Decimal((until - since) // timedelta(microseconds=1))
    by_team: dict[str, Decimal] = {}
    by_path: dict[str, Decimal] = {}
    by_stack: dict[str, list[StackChange]] = {}
    for change in changes:
        by_stack.setdefault(change.stack_name, []).append(change)
    for stack_changes in by_stack.values():
        ordered = sorted(stack_changes, key=lambda c: (c.at, c.live, c.request_id))
        for change, following in zip(ordered, [*ordered[1:], None], strict=True):
            if not change.live or change.monthly is None:
                continue
            start = max(change.at, since)
            end = min(following.at if following else until, until)
            if end <= start:
                continue
            amount = change.monthly * Decimal((end - start) // timedelta(microseconds=1)) / length
            team = change.team or NO_TEAM
            by_team[team] = by_team.get(team, ZERO) + amount
            by_path[change.path] = by_path.get(change.path, ZERO) + amount
    return by_team, by_path


def _lines(actual: dict[str, Decimal], estimate: dict[str, Decimal]) -> tuple[Line, ...]:
    names = set(actual) | set(estimate)
    lines = [Line(n, estimate.get(n), actual.get(n, ZERO)) for n in names]
    return tuple(sorted(lines, key=lambda line: (line.name == UNATTRIBUTED, -line.actual, line.name)))


def compare(charges: Iterable[Charge], changes: Sequence[StackChange]) -> list[PeriodBill]:
    """One PeriodBill per billing period in the charges, oldest first."""
    periods: dict[tuple[datetime, datetime], list[Charge]] = {}
    for charge in charges:
        periods.setdefault(period_of(charge.period_start, charge.period_end), []).append(charge)
    bills = []
    for (since, until), found in sorted(periods.items()):
        by_team: dict[str, Decimal] = {}
        by_path: dict[str, Decimal] = {}
        for charge in found:
            team = charge.team or UNATTRIBUTED
            by_team[team] = by_team.get(team, ZERO) + charge.amount
            path = charge.path or UNATTRIBUTED
            by_path[path] = by_path.get(path, ZERO) + charge.amount
        est_team, est_path = estimated(changes, since, until)
        attributed = [c for c in found if c.team]
        bills.append(
            PeriodBill(
                since=since,
                until=until,
                total=sum((c.amount for c in found), ZERO),
                attributed=sum((c.amount for c in attributed), ZERO),
                rows=len(found),
                attributed_rows=len(attributed),
                by_team=_lines(by_team, est_team),
                by_path=_lines(by_path, est_path),
            )
        )
    return bills
