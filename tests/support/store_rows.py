"""Request rows for the store's own tests (audit, repository)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.store import RequestRow

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def request_row(**overrides: Any) -> RequestRow:
    values: dict[str, Any] = {
        "requester": "U_DEV",
        "requester_team": "payments",
        "channel": "C_REQ",
        "action": "apply",
        "path": "service",
        "intent": {"path": "service", "name": "billing", "env": "prod", "params": {}},
        "intent_text": "service name=billing env=prod",
        "stack_name": "service-billing-prod",
        "state": "evaluated",
        "intent_decision": {"verdict": "allow"},
        "created_at": T0,
        "updated_at": T0,
    }
    values.update(overrides)
    return RequestRow(**values)
