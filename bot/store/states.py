"""The states a request and a drift finding can be in, spelled once.

They live on the store side because the `requests` and `drift_findings` tables check them (CHECK
constraints) and the store may not import the workflow or drift; `bot.workflow` and `bot.drift`
re-export them. The transitions between them are the workflow's (bot/workflow/transitions.py) and
drift's (bot/drift/findings.py).
"""

from __future__ import annotations

from enum import StrEnum


class RequestState(StrEnum):
    EVALUATED = "evaluated"
    PLANNED = "planned"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    APPLYING = "applying"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DENIED = "denied"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {
        RequestState.SUCCEEDED,
        RequestState.FAILED,
        RequestState.DENIED,
        RequestState.REJECTED,
        RequestState.EXPIRED,
        RequestState.CANCELLED,
    }
)
OPEN_STATES = frozenset(RequestState) - FINAL_STATES


class DriftState(StrEnum):
    """Open: open, snoozed, reconciling (a follow-up request is in flight). Closed: resolved (the
    live state matches what was applied again) or accepted (the live state became the desired one)."""

    OPEN = "open"
    SNOOZED = "snoozed"
    RECONCILING = "reconciling"
    ACCEPTED = "accepted"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self in DRIFT_OPEN_STATES


DRIFT_OPEN_STATES = frozenset({DriftState.OPEN, DriftState.SNOOZED, DriftState.RECONCILING})
DRIFT_CLOSED_STATES = frozenset(DriftState) - DRIFT_OPEN_STATES
