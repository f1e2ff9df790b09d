"""The costs answer stays within Block Kit's limits at its largest, and typed text cannot format it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from slack_sdk.models.blocks import Block

from bot.config import TeamBudget
from bot.cost.bill import Line, PeriodBill
from bot.cost.bill_present import bill_lines
from bot.cost.chart import MAX_SERIES, OTHER, render_cost_chart, series
from bot.cost.digest import cost_figure
from bot.cost.history import StackChange, weekly_trend
from bot.cost.imports import ImportSummary
from bot.cost.showback import LiveCost, spend_by_team
from bot.cost.slack import costs_blocks
from bot.cost.view import Scope, build_view
from bot.metrics.window import Window

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def many_teams(count: int) -> tuple[list[LiveCost], list[StackChange]]:
    live, changes = [], []
    for n in range(count):
        for k in range(12):
            stack = f"service-team{n}-app{k}-prod-with-a-long-name"
            path = f"golden-path-{k}"
            live.append(
                LiveCost(stack_name=stack, path=path, team=f"team-{n}", monthly=Decimal(n + k), request_id=n)
            )
            at = NOW - timedelta(days=80 - n)
            changes.append(StackChange(stack, at, True, Decimal(n + k), path, f"team-{n}", n))
    return live, changes


def big_bill() -> ImportSummary:
    lines = tuple(Line(f"team-{n}", Decimal(n), Decimal(n + 1)) for n in range(30))
    bill = PeriodBill(NOW, NOW, Decimal(900), Decimal(800), 400, 300, lines, lines)
    name = "*bold* <!channel> _x_.csv"
    return ImportSummary(1, name, NOW, 400, Decimal(900), Decimal(800), "EUR", (bill,))


def test_the_largest_answer_is_valid_block_kit_under_slacks_limits() -> None:
    live, changes = many_teams(40)
    budgets = {f"team-{n}": TeamBudget(monthly_budget=Decimal(100)) for n in range(40)}
    view = build_view(live, changes, budgets, "EUR", Scope(days=90), NOW)

    blocks = costs_blocks(view, bill=bill_lines(big_bill()), note="The chart is in your DM.")

    assert len(blocks) <= 50 and len(json.dumps(blocks)) < 12_000
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert [b.to_dict() for b in Block.parse_all(blocks)] == blocks
    text = json.dumps(blocks)
    assert "<!channel>" not in text and "28 more teams" in text


def test_the_chart_is_a_png_with_a_band_per_team_and_the_rest_folded_together() -> None:
    live, changes = many_teams(12)
    trend = weekly_trend(changes, Window(NOW - timedelta(days=90), NOW))

    bands = series(trend)

    assert len(bands) == MAX_SERIES and OTHER in bands
    assert list(bands)[0] == "team-11"  # the dearest at the last week at the bottom
    assert sum(v[-1] for v in bands.values()) == float(trend[-1].total)
    assert render_cost_chart(trend, "costs", "EUR", Decimal(500)).startswith(PNG_MAGIC)
    assert render_cost_chart([], "nothing", "EUR").startswith(PNG_MAGIC)


def test_the_digest_line_gives_the_run_rate_and_each_teams_budget_use() -> None:
    live = [
        LiveCost(stack_name="a", path="service", team="payments", monthly=Decimal(550), request_id=1),
        LiveCost(stack_name="b", path="service", team="search", monthly=Decimal(16), request_id=2),
        LiveCost(stack_name="c", path="service", team="search", monthly=None, request_id=3),
    ]
    budgets = {
        "payments": TeamBudget(monthly_budget=Decimal(500)),
        "idle": TeamBudget(monthly_budget=Decimal(50)),
    }

    label, value, detail = cost_figure(spend_by_team(live, budgets, "EUR"), "EUR")

    assert (label, value) == ("Cost run-rate", "EUR 566/month")
    assert detail == (
        "payments EUR 550 of EUR 500 (110%) over budget · search EUR 16 · idle EUR 0 of EUR 50 (0%)"
        " · 1 live without an estimate"
    )
