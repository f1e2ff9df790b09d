"""The Slack notifier against the local Slack emulator: threads, throttled progress, long diffs."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk import WebClient

from bot.config import AppConfig
from bot.devtools.slack_emulator import SlackEmulator
from bot.slack.notifier import SlackNotifier
from bot.workflow import PlanChange, RequestState
from bot.workflow.model import ResourceRef
from provisioners import Plan, Progress, ResourceChange
from rulebook import Decision, Stage, Verdict
from tests.support.request_snapshots import make_request


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(name: str, status: str = "started") -> Progress:
    return Progress(
        stack="s", urn=f"urn:{name}", type="platformbot:Thing", name=name, op="create", status=status
    )


def test_progress_updates_one_message_at_most_once_a_second(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    ticks = Ticks()
    notifier = SlackNotifier(client, config, monotonic=ticks)
    request = replace(make_request(), thread_ts=notifier.request_opened(make_request()))

    for i in range(10):  # ten events within the same second
        notifier.progress(request, _progress(f"r{i}"))
    ticks.now += 1.0
    notifier.progress(request, _progress("r0", "finished"))
    notifier.succeeded(replace(request, state=RequestState.SUCCEEDED), {"url": "file:///repo"})
    root = slack.messages("C0REQUESTS")[0]
    assert "succeeded" in root.all_text  # the thread's first message shows the new state

    replies = [m for m in slack.thread("C0REQUESTS", request.thread_ts or "") if m.is_reply]
    (progress,) = [m for m in replies if "Appl" in m.all_text]
    updates = [r for r in slack.requests_for("chat.update") if (r.json or r.params).get("ts") == progress.ts]
    assert len(updates) == 2  # one throttled update + the final one
    assert "Applied" in progress.all_text and "r9" in progress.all_text


def test_a_diff_too_long_for_the_thread_is_attached_whole_as_a_file(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    request = replace(make_request(), thread_ts=notifier.request_opened(make_request()))
    changes = [
        ResourceChange(
            urn=f"urn:pulumi:s::p::platformbot:File::f{i}",
            type="platformbot:File",
            name=f"f{i}",
            op="create",
            keys=("content",),
            after={"content": "line\n" * 40},
        )
        for i in range(60)
    ]
    plan = Plan.build("service.demo.dev", changes)
    decision = Decision(verdict=Verdict.ALLOW, stage=Stage.PLAN, rulebook_version="abc")

    notifier.plan_ready(request, plan, decision)

    (uploaded,) = slack.files
    assert uploaded.content.decode() == plan.render_text()
    thread = "\n".join(m.all_text for m in slack.thread("C0REQUESTS", request.thread_ts or ""))
    assert "attached to this thread as a file" in thread
    assert "60 to create" in thread


def test_a_destroyed_request_is_shown_destroyed_when_it_is_updated(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    built = make_request(state=RequestState.SUCCEEDED)
    built = replace(built, thread_ts=notifier.request_opened(built))

    notifier.request_updated(replace(built, destroyed_by="PB-2", destroyed_at=built.finished_at))

    (root,) = slack.messages("C0REQUESTS")
    assert root.ts == built.thread_ts and "*destroyed* by PB-2" in root.all_text


def test_withheld_credentials_are_named_in_the_thread_without_any_value(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    ref = ResourceRef(stack_name="service.demo.dev", owner_team="payments", owner="U0REQ", request_id="PB-1")
    request = make_request(requester="U0DEV2", resource=ref)
    request = replace(request, thread_ts=notifier.request_opened(request))

    notifier.secrets_withheld(request, "U0REQ")
    notifier.secrets_withheld(request, None)

    texts = [m.all_text for m in slack.thread("C0REQUESTS", request.thread_ts or "") if m.is_reply]
    assert "they went to <@U0REQ> by direct message only" in texts[0]
    assert "not sent to <@U0DEV2>" in texts[0]
    assert "nobody received them; ask payments" in texts[1]
    assert slack.dms("U0DEV2") == []


def test_a_cancelled_request_closes_its_asks_and_its_status_stops_waiting(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    waiting = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals={"security": 1})
    waiting = replace(waiting, thread_ts=notifier.request_opened(waiting))
    notifier.approval_requested(waiting, "security", 1)

    notifier.cancelled(replace(waiting, state=RequestState.CANCELLED), "U0REQ")

    (ask,) = slack.messages("C0SECURITY")
    assert ask.find_element("approve") is None and "Cancelled." in ask.all_text
    thread = slack.thread("C0REQUESTS", waiting.thread_ts or "")
    (status,) = [m for m in thread if "*Approvals*" in m.all_text]
    assert "waiting" not in status.all_text and "Cancelled." in status.all_text
    assert "state *cancelled*" in thread[0].all_text


def test_a_voided_rounds_status_stops_waiting_and_the_new_round_gets_its_own(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    first = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals={"security": 1})
    first = replace(first, thread_ts=notifier.request_opened(first))
    notifier.approval_requested(first, "security", 1)
    second = replace(first, approval_round=2, plan_hash="e" * 64)

    notifier.approvals_voided(second, PlanChange(old_hash="f" * 64, new_hash="e" * 64, changed=("db",)))
    notifier.approval_requested(second, "security", 1)

    statuses = [m for m in slack.thread("C0REQUESTS", first.thread_ts or "") if "*Approvals*" in m.all_text]
    assert len(statuses) == 2
    assert "Voided" in statuses[0].all_text and "waiting" not in statuses[0].all_text
    assert "waiting for 1 more" in statuses[1].all_text and "eeeeeeeeeeee" in statuses[1].all_text
    old_ask, new_ask = slack.messages("C0SECURITY")
    assert old_ask.find_element("approve") is None and new_ask.find_element("approve") is not None


def test_a_superseded_request_says_which_request_replaced_it_not_that_someone_cancelled_it(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    waiting = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals={"security": 1})
    waiting = replace(waiting, thread_ts=notifier.request_opened(waiting))

    notifier.cancelled(replace(waiting, state=RequestState.CANCELLED, superseded_by="PB-9"), "U0DEV2")

    notice = slack.thread("C0REQUESTS", waiting.thread_ts or "")[-1].all_text
    assert f"{waiting.id} was superseded* by PB-9 by <@U0DEV2>" in notice
    assert "cancelled" not in notice


def test_a_request_beside_the_owners_open_one_is_told_which_is_open_and_what_happens_next(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    outsiders = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals={"security": 1})
    outsiders = replace(outsiders, thread_ts=notifier.request_opened(outsiders))

    notifier.also_open(outsiders, ["PB-3"])

    notice = slack.thread("C0REQUESTS", outsiders.thread_ts or "")[-1].all_text
    assert f"Also open on stack `{outsiders.stack_name}`:* PB-3." in notice
    assert "decided again" in notice


def test_a_notice_for_a_thread_whose_root_was_deleted_starts_the_thread_again(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    waiting = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals={"security": 1})
    lost = notifier.request_opened(waiting)
    waiting = replace(waiting, thread_ts=lost)
    client.chat_delete(channel="C0REQUESTS", ts=lost)

    notifier.cancelled(replace(waiting, state=RequestState.CANCELLED), "U0REQ")
    notifier.cancelled(replace(waiting, state=RequestState.CANCELLED), "U0REQ")

    (root,) = slack.messages("C0REQUESTS")
    assert root.ts != lost and "state *cancelled*" in root.all_text
    notices = [m for m in slack.thread("C0REQUESTS", root.ts) if "was cancelled" in m.all_text]
    assert len(notices) == 2  # the second notice finds the new thread at once
