"""Metrics of environments that expire (issue 15): how many the expiry destroyed, the
resource-hours they had run, and the money saved (their monthly run-rate, from the stored cost
estimate of the request that last changed them, bot/cost).

Read from the database (the audit events the expiry writes, bot.workflow.expiry.DESTROY_CAUSE),
not counted in memory: every replica reports the same figures, and a restart loses none.
Only destroys that succeeded count: an expiry destroy still waiting for approvals saved nothing yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlmodel import col, select

from bot.store import AuditEventRow, RequestRow, Store
from bot.workflow.expiry import DESTROY_CAUSE


@dataclass(frozen=True)
class ExpiredEnvironment:
    path: str
    stack_name: str
    destroyed_at: datetime
    hours: float  # from its creation to its destroy
    resources: int  # what the destroy removed
    monthly: Decimal | None  # its run-rate when it was destroyed; None without an estimate

    @property
    def resource_hours(self) -> float:
        return self.hours * self.resources


def expired_environments(store: Store, since: datetime | None = None) -> list[ExpiredEnvironment]:
    with store.read() as session:
        events = session.exec(
            select(AuditEventRow, RequestRow)
            .join(RequestRow, col(RequestRow.id) == col(AuditEventRow.request_id))
            .where(
                col(AuditEventRow.event) == DESTROY_CAUSE,
                col(RequestRow.action) == "destroy",
                col(RequestRow.state) == "succeeded",
            )
        ).all()
        targets = {
            row.id: row
            for row in session.exec(
                select(RequestRow).where(
                    col(RequestRow.id).in_([d.target_request_id for _, d in events if d.target_request_id])
                )
            ).all()
        }
    found = []
    for event, destroy in events:
        finished = destroy.finished_at
        if finished is None or (since is not None and finished < since):
            continue
        live_since = datetime.fromisoformat(str(event.detail.get("live_since") or finished.isoformat()))
        plan = destroy.plan or {}
        removed = [c for c in plan.get("changes", []) if isinstance(c, dict) and c.get("op") == "delete"]
        target = targets.get(destroy.target_request_id)
        found.append(
            ExpiredEnvironment(
                path=destroy.path,
                stack_name=destroy.stack_name,
                destroyed_at=finished,
                hours=max((finished - live_since).total_seconds(), 0.0) / 3600,
                resources=len(removed),
                monthly=target.cost_monthly if target is not None else None,
            )
        )
    return found


@dataclass(frozen=True)
class ExpiryTotals:
    expired: int
    resource_hours: float
    saved_monthly: Decimal
    unestimated: int  # expired environments with no cost estimate (not in saved_monthly)


def totals(environments: list[ExpiredEnvironment]) -> ExpiryTotals:
    return ExpiryTotals(
        expired=len(environments),
        resource_hours=sum(e.resource_hours for e in environments),
        saved_monthly=sum((e.monthly for e in environments if e.monthly is not None), Decimal(0)),
        unestimated=sum(1 for e in environments if e.monthly is None),
    )


class ExpiryCollector(Collector):
    def __init__(self, store: Store) -> None:
        self._store = store

    def describe(self) -> list[CounterMetricFamily]:
        # Known without a query: registering must not read a database that may not be migrated yet.
        return []

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        environments = expired_environments(self._store)
        by_path: dict[str, list[ExpiredEnvironment]] = {}
        for environment in environments:
            by_path.setdefault(environment.path, []).append(environment)
        expired = CounterMetricFamily(
            "platformbot_environments_expired", "Environments the expiry (ttl=) destroyed", labels=["path"]
        )
        hours = CounterMetricFamily(
            "platformbot_expired_resource_hours",
            "Resource-hours the expired environments ran (each resource's hours from creation to destroy)",
            labels=["path"],
        )
        saved = GaugeMetricFamily(
            "platformbot_expiry_saved_monthly",
            "Monthly run-rate no longer spent: the cost estimates of the environments the expiry destroyed",
            labels=["path"],
        )
        for path, found in sorted(by_path.items()):
            total = totals(found)
            expired.add_metric([path], total.expired)
            hours.add_metric([path], total.resource_hours)
            saved.add_metric([path], float(total.saved_monthly))
        yield expired
        yield hours
        yield saved


def register_expiry_metrics(registry: CollectorRegistry, store: Store) -> None:
    registry.register(ExpiryCollector(store))


def stats_figure(store: Store) -> Callable[[datetime, datetime], tuple[str, str, str] | None]:
    """The `/platform stats` line: environments the expiry destroyed in the window, the
    resource-hours they had run and the monthly run-rate their destroy stopped."""

    def figure(since: datetime, until: datetime) -> tuple[str, str, str] | None:
        found = [e for e in expired_environments(store, since) if e.destroyed_at <= until]
        if not found:
            return None
        total = totals(found)
        detail = f"{total.resource_hours:.0f} resource-hours"
        detail += f", {total.saved_monthly:.2f} a month saved"
        if total.unestimated:
            detail += f" ({total.unestimated} without an estimate)"
        return ("Environments expired", str(total.expired), detail)

    return figure
