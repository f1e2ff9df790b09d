"""The run-rate at a past moment and its weekly trend, replayed from applies and destroys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.cost.history import StackChange, live_at, weekly_trend
from bot.metrics.window import Window

MONDAY = datetime(2025, 1, 6, tzinfo=UTC)


def change(
    stack: str, day: float, monthly: str | None, *, live: bool = True, team: str = "payments", number: int = 1
) -> StackChange:
    return StackChange(
        stack_name=stack,
        at=MONDAY + timedelta(days=day),
        live=live,
        monthly=None if monthly is None else Decimal(monthly),
        path=stack.split("-")[0] if not stack.startswith("postgres") else "postgres-database",
        team=team,
        request_id=number,
    )


HISTORY = [
    change("postgres-billing", 1, "25", number=1),
    change("postgres-billing", 8, "125", number=2),  # resized to large in week 2
    change("service-ledger", 2, "16", number=3, team="search"),
    change("service-ledger", 16, None, live=False, number=3, team="search"),  # destroyed in week 3
    change("service-ledger", 17, "16", number=4, team="search"),  # and made again
    change("service-old", 3, None, number=5),  # no estimate
]


def test_a_stack_counts_at_its_last_run_rate_until_it_is_destroyed() -> None:
    assert live_at(HISTORY, MONDAY) == []
    week_one = {c.stack_name: c.monthly for c in live_at(HISTORY, MONDAY + timedelta(days=7))}
    assert week_one == {"postgres-billing": Decimal(25), "service-ledger": Decimal(16), "service-old": None}
    after_destroy = {c.stack_name: c.monthly for c in live_at(HISTORY, MONDAY + timedelta(days=16))}
    assert after_destroy == {"postgres-billing": Decimal(125), "service-old": None}
    assert "service-ledger" in {c.stack_name for c in live_at(HISTORY, MONDAY + timedelta(days=17))}


def test_the_weekly_trend_is_the_run_rate_at_each_weeks_end_by_team_and_path() -> None:
    window = Window(MONDAY, MONDAY + timedelta(days=21))

    points = weekly_trend(HISTORY, window)

    assert [p.total for p in points] == [Decimal(41), Decimal(141), Decimal(141)]
    assert points[0].by_team == {"payments": Decimal(25), "search": Decimal(16)}
    assert points[1].by_path == {"postgres-database": Decimal(125), "service": Decimal(16)}
    assert [(p.resources, p.unestimated) for p in points] == [(3, 1), (3, 1), (3, 1)]


def test_a_trend_of_one_team_or_one_path_counts_only_theirs() -> None:
    window = Window(MONDAY, MONDAY + timedelta(days=14))
    assert [p.total for p in weekly_trend(HISTORY, window, team="search")] == [Decimal(16), Decimal(16)]
    by_path = weekly_trend(HISTORY, window, path="postgres-database")
    assert [p.total for p in by_path] == [Decimal(25), Decimal(125)]
    assert by_path[0].by_team == {"payments": Decimal(25)}


def test_a_recreate_at_the_instant_of_a_destroy_is_live() -> None:
    changes = [
        change("service-a", 1, "16", number=1),
        change("service-a", 2, None, live=False, number=1),
        change("service-a", 2, "20", number=2),
    ]
    (live,) = live_at(changes, MONDAY + timedelta(days=3))
    assert live.monthly == Decimal(20) and live.request_id == 2
