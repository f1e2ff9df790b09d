"""Errors of the application core (store, approvals, workflow).

Every error carries `.message`: text that is safe to show a Slack user as it is. Third-party
exceptions (SQLAlchemy, psycopg) are translated once, at the store boundary, with
`raise ... from exc`, so the original stays in the log and never reaches Slack.

    WorkflowError                 base; .message is user-safe
    ├── RequestNotFound           no request with that id (or a malformed id)
    ├── NotAllowed                this person may not do this (cancel someone else's request, ...)
    ├── InvalidTransition         the request is not in a state where this can happen
    └── StoreError                the database failed; details only in the log
        ├── StoreConflict         a unique constraint refused a duplicate (double click, retry)
        ├── StoreUnavailable      cannot connect, database locked for too long, ...
        └── AppendOnlyViolation   someone tried to change or delete the audit trail
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base of the core's errors; `message` is safe to show a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RequestNotFound(WorkflowError):
    def __init__(self, request_id: str) -> None:
        # A tampered button or a blank argument can carry an empty id: say what is missing.
        shown = request_id.strip()[:40]
        super().__init__(
            f"There is no request {shown}." if shown else "That names no request: give its id, e.g. PB-12."
        )
        self.request_id = request_id


class NotAllowed(WorkflowError):
    pass


# How a state reads after the request's id: "PB-4 was rejected", "PB-27 has succeeded".
_STATE_PHRASES = {
    "evaluated": "is being planned",
    "succeeded": "has succeeded",
    "failed": "has failed",
    "expired": "has expired",
    "denied": "was denied",
    "rejected": "was rejected",
    "cancelled": "was cancelled",
}


class InvalidTransition(WorkflowError):
    def __init__(self, request_id: str, state: str, wanted: str) -> None:
        phrase = _STATE_PHRASES.get(state, f"is {state}")
        super().__init__(f"{request_id} {phrase}, so it cannot be {wanted} now.")
        self.request_id = request_id
        self.state = state
        self.wanted = wanted


class StoreError(WorkflowError):
    def __init__(
        self, message: str = "The bot's database is having trouble; please try again shortly."
    ) -> None:
        super().__init__(message)


class StoreConflict(StoreError):
    def __init__(self, message: str = "That was already recorded.") -> None:
        super().__init__(message)


class StoreUnavailable(StoreError):
    pass


class AppendOnlyViolation(StoreError):
    def __init__(self) -> None:
        super().__init__("The audit trail is append-only.")
