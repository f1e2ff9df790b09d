"""A bill against the estimates: per team and path, the share attributed, no estimate never 0."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.cost.bill import UNATTRIBUTED, Charge, compare, estimated, period_of
from bot.cost.history import StackChange

JAN, FEB = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)


def live(
    stack: str, at: datetime, monthly: str | None, team: str | None, path: str = "service"
) -> StackChange:
    return StackChange(stack, at, True, None if monthly is None else Decimal(monthly), path, team, 1)


def test_a_billing_period_without_an_end_is_the_calendar_month_from_its_start() -> None:
    assert period_of(JAN, None) == (JAN, FEB)
    dec = datetime(2024, 12, 1, tzinfo=UTC)
    assert period_of(dec, None) == (dec, JAN)


def test_the_estimate_of_a_period_is_each_run_rate_times_the_part_of_it_live() -> None:
    half = datetime(2025, 1, 16, 12, tzinfo=UTC)  # 15.5 of 31 days: half of January
    changes = [
        live("service-a", datetime(2024, 12, 1, tzinfo=UTC), "100", "payments"),
        live("service-b", half, "62", "search", path="redis-cache"),
        live("service-c", half, None, "search"),  # no estimate: adds nothing
    ]

    by_team, by_path = estimated(changes, JAN, FEB)

    assert by_team == {"payments": Decimal(100), "search": Decimal(31)}
    assert by_path == {"service": Decimal(100), "redis-cache": Decimal(31)}


def test_compare_sets_actual_against_estimate_and_counts_the_share_attributed() -> None:
    changes = [live("service-a", datetime(2024, 12, 1, tzinfo=UTC), "100", "payments")]
    charges = [
        Charge(Decimal(110), JAN, FEB, "payments", "service"),
        Charge(Decimal(30), JAN, FEB, "search", None),
        Charge(Decimal(60), JAN, None, None, None),
    ]

    (bill,) = compare(charges, changes)

    assert (bill.total, bill.attributed, bill.share) == (Decimal(200), Decimal(140), Decimal("0.7"))
    assert (bill.rows, bill.attributed_rows) == (3, 2)
    teams = {line.name: (line.estimate, line.actual) for line in bill.by_team}
    assert teams == {
        "payments": (Decimal(100), Decimal(110)),
        "search": (None, Decimal(30)),  # no estimate, not 0
        UNATTRIBUTED: (None, Decimal(60)),
    }
    assert bill.by_team[-1].name == UNATTRIBUTED
    assert bill.by_team[0].difference == Decimal(10)


def test_a_period_of_credits_only_has_no_share() -> None:
    (bill,) = compare(
        [Charge(Decimal(5), JAN, FEB, "a", None), Charge(Decimal(-5), JAN, FEB, None, None)], []
    )
    assert bill.share is None
