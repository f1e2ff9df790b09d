"""The Slack notifier against the emulator: a voided round's status box, a transfer, and
credentials that outlive a transfer."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk import WebClient

from bot.config import AppConfig
from bot.devtools.slack_emulator import SlackEmulator
from bot.slack.notifier import SlackNotifier
from bot.workflow import PlanChange, RequestState
from bot.workflow.model import ResourceRef, Transfer
from tests.support.request_snapshots import make_request


def _statuses(slack: SlackEmulator, thread_ts: str) -> list[str]:
    return [m.all_text for m in slack.thread("C0REQUESTS", thread_ts) if "*Approvals*" in m.all_text]


def test_an_approved_round_voided_by_a_re_decision_no_longer_says_approved(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    waiting = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals={"security": 1})
    waiting = replace(waiting, thread_ts=notifier.request_opened(waiting))
    notifier.approval_requested(waiting, "security", 1)
    approved = replace(waiting, state=RequestState.APPROVED)
    notifier.approval_recorded(approved, "U0SEC1", ("security",), {"security": 0})
    assert "Approved" in _statuses(slack, waiting.thread_ts or "")[0]

    # The owners changed before the apply; the new decision needs nobody: a new round, approved.
    decided_again = replace(approved, approval_round=2, required_approvals={})
    notifier.approvals_voided(decided_again, PlanChange(old_hash="f" * 64, new_hash="f" * 64))
    notifier.request_updated(decided_again)

    (status,) = _statuses(slack, waiting.thread_ts or "")
    assert "Approved" not in status and "waiting" not in status
    voided = "Voided: the resource changed (its owners, or another request applied to it); the new"
    assert f"{voided} decision needs no approvals." in status


def test_a_transfer_is_announced_in_the_thread_and_the_previous_owner_is_told(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    built = make_request(state=RequestState.SUCCEEDED)
    built = replace(built, thread_ts=notifier.request_opened(built))
    transfer = Transfer(
        stack_name=built.stack_name,
        actor="U0ONCALL",
        from_team="payments",
        from_owner="U0REQ",
        to_team="search",
        to_owner=None,
        previous_owners=("U0REQ", "U0SEC1"),
    )
    notifier.resource_transferred(built, transfer)

    notice = slack.thread("C0REQUESTS", built.thread_ts or "")[-1].all_text
    assert "<@U0ONCALL> handed `demo` over to team search; it belonged to payments (<@U0REQ>)." in notice
    assert "<@U0REQ>, <@U0SEC1>: you no longer own it" in notice
    assert "rotate them by hand" in notice
    # The service's own `team` parameter is not rewritten by a transfer; the notice says so.
    assert "Its `team` parameter (in this thread and in what was built) still reads `payments`" in notice
    (dm,) = slack.dms("U0REQ")
    assert "handed `demo` over to team search" in dm.all_text


def test_credentials_issued_before_a_transfer_are_said_to_need_rotation(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    ref = ResourceRef(stack_name="service.demo.dev", owner_team="search", owner=None, request_id="PB-1")
    applied = make_request(state=RequestState.SUCCEEDED, requester="U0DEV2", resource=ref)
    applied = replace(applied, thread_ts=notifier.request_opened(applied))
    notifier.inherited_secrets(applied, "U0DEV2", ("dsn", "password"), "payments")

    notice = slack.thread("C0REQUESTS", applied.thread_ts or "")[-1].all_text
    assert "The credentials of `demo` (dsn, password) went to <@U0DEV2> unchanged" in notice
    assert "handed from payments to team search, so payments may still have them" in notice
    assert "Rotate them by hand" in notice
    assert any("Rotate them by hand" in m.all_text for m in slack.dms("U0DEV2"))
