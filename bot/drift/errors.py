"""Errors of drift's buttons and `/platform drift`.

They extend the core's WorkflowError, so `.message` is safe to show a Slack user and the Slack
listeners' `user_errors` shows it as it is.

    WorkflowError (bot.errors)
    └── DriftError                 a drift action cannot be done
        ├── FindingNotFound        the button names a finding that does not exist
        └── FindingClosed          the drift was resolved or accepted meanwhile
"""

from __future__ import annotations

from bot.errors import WorkflowError


class DriftError(WorkflowError):
    pass


class FindingNotFound(DriftError):
    def __init__(self, finding_id: int | str) -> None:
        super().__init__(f"There is no drift finding {finding_id}.")


class FindingClosed(DriftError):
    def __init__(self, finding_id: int, state: str) -> None:
        super().__init__(f"Drift finding {finding_id} is already {state}; nothing to do.")
        self.state = state
