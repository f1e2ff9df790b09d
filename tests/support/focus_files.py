"""FinOps FOCUS 1.x exports for tests, written with the csv module as an exporter would."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ResourceId",
    "ResourceName",
    "ServiceName",
    "Tags",
    "x_InvoiceSection",
)


def charge(
    cost: str,
    *,
    resource_id: str = "",
    tags: Mapping[str, Any] | str | None = None,
    period: str = "2025-01-01",
    billed: str | None = None,
    currency: str = "EUR",
    **extra: str,
) -> dict[str, str]:
    """One row of a monthly bill; `tags` as a mapping is written as JSON, a str as it is."""
    start = f"{period}T00:00:00Z"
    year, month = int(period[:4]), int(period[5:7])
    end = f"{year + (month == 12)}-{month % 12 + 1:02d}-01T00:00:00Z"
    row = {
        "BilledCost": billed if billed is not None else cost,
        "EffectiveCost": cost,
        "BillingCurrency": currency,
        "BillingPeriodStart": start,
        "BillingPeriodEnd": end,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ResourceId": resource_id,
        "ResourceName": resource_id.rsplit("/", 1)[-1],
        "ServiceName": "Managed PostgreSQL",
        "Tags": tags if isinstance(tags, str) else json.dumps(tags or {}),
        "x_InvoiceSection": "platform",
    }
    row.update(extra)
    return row


def focus_csv(rows: Sequence[Mapping[str, str]], columns: Sequence[str] = COLUMNS) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
