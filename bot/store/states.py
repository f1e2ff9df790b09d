"""The states a request can be in, spelled once.

They live on the store side because the `requests` table checks them (a CHECK constraint) and the
store may not import the workflow; `bot.workflow` re-exports them. The transitions between them
are the workflow's (bot/workflow/transitions.py).
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
