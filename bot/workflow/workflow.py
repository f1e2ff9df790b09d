"""The request workflow: one object, built once with its side effects, used by the Slack adapter."""

from __future__ import annotations

from bot.workflow.execution import ExecutionMixin
from bot.workflow.queries import QueriesMixin
from bot.workflow.recovery import RecoveryMixin


class Workflow(ExecutionMixin, RecoveryMixin, QueriesMixin):
    """Every transition of a request, each one compare-and-set in the database and audited.

    Transitions: submit, plan, approve, reject, cancel, apply, request_destroy, expire_due,
    recover_after_restart. Queries: get, list_for, pending_approvals_for, status.
    Construct with keyword arguments; see WorkflowBase.__init__.
    """
