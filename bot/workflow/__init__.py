"""The request workflow: states, transitions, approvals, apply under a stack lock, recovery.

pool = ThreadPool()
workflow = Workflow(store=store, rulebook=book, catalog=catalog, runner=runner,
                    notifier=slack_notifier, directory=directory, worker=ThreadExecutor(pool))
request = workflow.submit(intent, actor, channel)      # the plan runs on the executor
workflow.approve("PB-17", "U_SEC", plan_hash)          # the last approval schedules the apply

`Workflow` is a thin front over plain parts (bot/workflow/workflow.py lists them); the ports it is
handed are in ports.py, the state machine in transitions.py.
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
    Step,
    format_request_id,
    parse_request_id,
)
from bot.workflow.ports import (
    ApplyResult,
    DestroyResult,
    Directory,
    Executor,
    Notifier,
    Rulebook,
    Runner,
    WorkflowPolicy,
)
from bot.workflow.safe_notifier import SafeNotifier
from bot.workflow.threads import ThreadExecutor, ThreadPool
from bot.workflow.workflow import Workflow

__all__ = [
    "FINAL_STATES",
    "OPEN_STATES",
    "ApplyResult",
    "ApprovalRecord",
    "AuditEntry",
    "DestroyResult",
    "Directory",
    "Executor",
    "LockHolder",
    "Notifier",
    "Outcome",
    "PlanChange",
    "Request",
    "RequestState",
    "RequestStatus",
    "Rulebook",
    "Runner",
    "SafeNotifier",
    "Step",
    "ThreadExecutor",
    "ThreadPool",
    "Workflow",
    "WorkflowPolicy",
    "format_request_id",
    "parse_request_id",
]
