"""Prometheus gauges per team, read from the database at scrape time: the committed monthly
run-rate of its live resources, its budget, and the share of the budget used.

A scrape reads what `/platform costs` shows (bot.cost.showback over the live resources), so the
two never disagree. A team without a budget has no budget or share sample (not 0, which would
read as "spent nothing of nothing").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.cost.budgets import TeamLimits
from bot.cost.reading import live_costs
from bot.cost.showback import spend_by_team
from bot.store import Store

log = logging.getLogger(__name__)


class CostCollector(Collector):
    def __init__(self, store: Store, budgets: Mapping[str, TeamLimits], currency: str) -> None:
        self._store = store
        self._budgets = budgets
        self._currency = currency

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            spends = spend_by_team(live_costs(self._store), self._budgets, self._currency)
        except Exception:
            # A scrape must not fail because the database is busy; the families are simply absent.
            log.warning("metrics: cannot read the cost run-rates", exc_info=True)
            return
        committed = GaugeMetricFamily(
            "platformbot_cost_committed_monthly",
            "Monthly run-rate of a team's live resources (estimates from the price book)",
            labels=["team", "currency"],
        )
        unestimated = GaugeMetricFamily(
            "platformbot_cost_unestimated_resources",
            "Live resources of a team without an estimate (not in the run-rate)",
            labels=["team"],
        )
        budget = GaugeMetricFamily(
            "platformbot_cost_budget_monthly", "A team's monthly budget (config)", labels=["team", "currency"]
        )
        used = GaugeMetricFamily(
            "platformbot_cost_budget_used_ratio",
            "A team's committed run-rate divided by its monthly budget (1.0 = all of it)",
            labels=["team"],
        )
        for spend in spends:
            use = spend.budget
            currency = use.currency if use is not None else self._currency
            committed.add_metric([spend.team, currency], float(spend.committed.monthly))
            unestimated.add_metric([spend.team], float(spend.committed.unestimated))
            if use is not None and use.monthly_limit is not None:
                budget.add_metric([spend.team, currency], float(use.monthly_limit))
                if use.monthly_limit > 0:
                    used.add_metric([spend.team], float(use.committed / use.monthly_limit))
        yield committed
        yield unestimated
        yield budget
        yield used
