"""The request workflow: states, transitions, approvals, apply under a stack lock, recovery.

workflow = Workflow(store=store, rulebook=book, catalog=catalog, runner=runner,
                    notifier=slack_notifier, directory=directory, worker=BackgroundWorker())
request = workflow.submit(intent, actor, channel)      # plan runs on the worker
workflow.approve("PB-17", "U_SEC", plan_hash)          # the last approval schedules the apply
"""

from __future__ import annotations

from bot.workflow.model import (
    FINAL_STATES,
    OPEN_STATES,
    ApprovalRecord,
    AuditEntry,
    LockHolder,
    Outcome,
    PlanChange,
    Request,
    RequestState,
    RequestStatus,
    format_request_id,
    parse_request_id,
)
from bot.workflow.ports import ApplyResult, Directory, Notifier, Rulebook, Runner, WorkflowPolicy
from bot.workflow.worker import BackgroundWorker
from bot.workflow.workflow import Workflow

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "ApplyResult",
    "ApprovalRecord",
    "AuditEntry",
    "BackgroundWorker",
    "Directory",
    "LockHolder",
    "Notifier",
    "Outcome",
    "PlanChange",
    "Request",
    "RequestState",
    "RequestStatus",
    "Rulebook",
    "Runner",
    "Workflow",
    "WorkflowPolicy",
    "format_request_id",
    "parse_request_id",
]
