"""The bot's database: SQLModel tables, the engine and session factory, Alembic migrations.

store = Store.from_url(settings.database_url)   # runs `upgrade head`
with store.write() as session:                   # one transaction, committed on success
    repository.compare_and_set(session, 17, {"approved"}, "applying", now)
"""

from __future__ import annotations

from bot.store.cost_import_models import CostImportChargeRow, CostImportRow
from bot.store.drift_models import DRIFT_STATES, DriftEventRow, DriftFindingRow
from bot.store.engine import Store, create_store_engine, default_database_url, normalise_url
from bot.store.feedback_models import FeedbackAnswerRow, FeedbackPollRow
from bot.store.message_models import SlackMessageRow
from bot.store.models import (
    ACTIONS,
    REQUEST_STATES,
    ApprovalRow,
    AuditEventRow,
    RequestRow,
    ResourceRow,
    RunRow,
    StackLockRow,
)
from bot.store.schedule_models import ApprovalReminderRow, ScheduleAlertRow, ScheduleClaimRow

__all__ = [
    "ACTIONS",
    "DRIFT_STATES",
    "REQUEST_STATES",
    "ApprovalReminderRow",
    "ApprovalRow",
    "AuditEventRow",
    "CostImportChargeRow",
    "CostImportRow",
    "DriftEventRow",
    "DriftFindingRow",
    "FeedbackAnswerRow",
    "FeedbackPollRow",
    "RequestRow",
    "ResourceRow",
    "RunRow",
    "ScheduleAlertRow",
    "ScheduleClaimRow",
    "SlackMessageRow",
    "StackLockRow",
    "Store",
    "create_store_engine",
    "default_database_url",
    "normalise_url",
]
