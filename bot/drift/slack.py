"""Drift in Slack: the finding message with its buttons, the notices around it, the button
listeners and `/platform drift [PB-n]`.

Listeners ack first and hand over to DriftActions (Reconcile and Accept open requests through the
workflow); the command runs the sweep on the background worker and answers through `respond`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.config import AppConfig
from bot.drift.actions import DriftActions
from bot.drift.checker import DriftChecker, DriftSweep
from bot.drift.findings import Finding
from bot.drift.ports import CheckFailure
from bot.slack import present
from bot.slack import request_views as views
from bot.slack.conversations import dm_channel, permalink
from bot.slack.render import Trusted, render_blocks, render_text
from bot.slack.services import AfterAck, user_errors
from bot.store.states import DriftState
from bot.workflow import Request, ThreadPool
from intents import Command, DriftCommand
from provisioners.render import render_changes

log = logging.getLogger("bot.drift.slack")

ACTIONS = ("drift_reconcile", "drift_accept", "drift_snooze")


class SlackDriftNotifier:
    """bot.drift.ports.DriftNotifier in Slack."""

    def __init__(self, client: WebClient, config: AppConfig) -> None:
        self._client = client
        self._config = config

    def drift_found(self, finding: Finding, request: Request, note: str | None) -> tuple[str, str] | None:
        view, attachment = finding_view(finding)
        blocks = render_blocks(
            "drift",
            finding=view,
            request=views.request_view(request),
            note=note,
            buttons=True,
            status=None,
            where=None,
        )
        text = f"Drift on {finding.stack_name} ({request.id})"
        response = self._client.chat_postMessage(
            channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text=text
        )
        ts = str(response["ts"])
        if attachment is not None:
            self._client.files_upload_v2(
                channel=request.channel,
                thread_ts=request.thread_ts,
                content=attachment,
                filename=f"{request.id}-drift-{finding.id}.diff",
                title=f"Drift on {finding.stack_name}",
                snippet_type="diff",
            )
        # The owner hears of it directly, with the same buttons and a pointer to the thread.
        permalink = self._permalink(request.channel, ts)
        where = (
            present.link(permalink, "in the thread") if permalink else present.channel_link(request.channel)
        )
        dm = render_blocks(
            "drift",
            finding=view,
            request=views.request_view(request),
            note=note,
            buttons=True,
            status=None,
            where=where,
        )
        try:
            self._client.chat_postMessage(channel=self._dm_channel(request.requester), blocks=dm, text=text)
        except Exception:
            log.exception("could not tell %s's owner about drift by DM", request.id)
        return request.channel, ts

    def drift_resolved(self, finding: Finding, request: Request) -> None:
        how = {
            DriftState.ACCEPTED: "the live state is now the desired state.",
            DriftState.RESOLVED: "the live state matches what was applied again.",
        }.get(finding.state, "")
        if finding.follow_up_request_id and finding.state == DriftState.ACCEPTED:
            how = f"{finding.follow_up_request_id} made the live state the desired state."
        elif finding.follow_up_request_id:
            how = f"the live state matches what was applied again ({finding.follow_up_request_id} ran)."
        self._update(
            finding,
            request,
            f":white_check_mark: {finding.state.capitalize()} {present.when(finding.closed_at)}",
        )
        self._notice(
            request,
            ":white_check_mark:",
            "drift_resolved",
            stack=finding.stack_name,
            finding_id=finding.id,
            how=how,
        )

    def follow_up_opened(self, finding: Finding, request: Request, follow_up: Request, actor: str) -> None:
        kind = "Reconcile" if finding.follow_up == "reconcile" else "Accept"
        self._update(finding, request, f"{kind} requested by <@{actor}>: {follow_up.id}")
        self._notice(
            request,
            ":arrows_counterclockwise:",
            "drift_follow_up",
            kind=kind,
            stack=finding.stack_name,
            actor=present.mention(actor),
            follow_up_id=follow_up.id,
            changes=None,
        )

    def accept_refused(self, finding: Finding, request: Request, reasons: Sequence[str], actor: str) -> None:
        self._notice(
            request,
            ":no_entry_sign:",
            "drift_accept_refused",
            stack=finding.stack_name,
            actor=present.mention(actor),
            reasons=list(reasons),
        )

    def snoozed(self, finding: Finding, request: Request, actor: str) -> None:
        until = present.when(finding.snoozed_until)
        self._update(finding, request, f":zzz: Snoozed by <@{actor}> until {until}", buttons=True)
        self._notice(
            request,
            ":zzz:",
            "drift_snoozed",
            stack=finding.stack_name,
            actor=present.mention(actor),
            until=until,
        )

    def drift_checks_failing(self, failures: Sequence[CheckFailure]) -> None:
        text = render_text("notices/drift_failing", count=len(failures), failures=list(failures[:15]))
        self._platform(":rotating_light:", text)

    def drift_checks_recovered(self) -> None:
        self._platform(":white_check_mark:", render_text("notices/drift_recovered", since=None))

    # Helpers -----------------------------------------------------------------------------------

    def _update(self, finding: Finding, request: Request, status: str, *, buttons: bool = False) -> None:
        if not finding.channel or not finding.message_ts:
            return
        view, _ = finding_view(finding)
        blocks = render_blocks(
            "drift",
            finding=view,
            request=views.request_view(request),
            note=None,
            buttons=buttons,
            status=Trusted(status),
            where=None,
        )
        self._client.chat_update(
            channel=finding.channel,
            ts=finding.message_ts,
            blocks=blocks,
            text=f"Drift on {finding.stack_name}",
        )

    def _notice(self, request: Request, icon: str, kind: str, /, **context: Any) -> None:
        text = render_text(f"notices/{kind}", request=views.request_view(request), **context)
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self._client.chat_postMessage(
            channel=request.channel, thread_ts=request.thread_ts, blocks=blocks, text=text
        )

    def _platform(self, icon: str, text: str) -> None:
        channel = self._config.channels.platform
        if channel is None:
            log.warning("no platform channel configured; not posted: %s", text)
            return
        blocks = render_blocks("notice", icon=Trusted(icon), text=Trusted(text), context=None)
        self._client.chat_postMessage(channel=channel, blocks=blocks, text=text)

    def _dm_channel(self, user: str) -> str:
        return dm_channel(self._client, user)

    def _permalink(self, channel: str, ts: str) -> str | None:
        return permalink(self._client, channel, ts)


def finding_view(finding: Finding) -> tuple[dict[str, Any], str | None]:
    """What the drift template shows, and the whole diff when it is too long to show inline."""
    header = f"Drift for stack {finding.stack_name} (applied => live)"
    diff = render_changes(header, finding.changes, finding.summary, None)
    chunks, attachment = present.split_diff(diff)
    view = {
        "id": finding.id,
        "stack": finding.stack_name,
        "summary": finding.summary,
        "diff_chunks": chunks,
        "as_file": attachment is not None,
        "detected_label": present.when(finding.detected_at),
    }
    return view, attachment


# Listeners ---------------------------------------------------------------------------------------


def listen(app: App, actions: DriftActions) -> None:
    """The three buttons under a drift message."""
    handlers: dict[str, Callable[[int, str], str]] = {
        "drift_reconcile": actions.reconcile,
        "drift_accept": actions.accept,
        "drift_snooze": actions.snooze,
    }
    for action_id, handler in handlers.items():
        app.action(action_id)(_listener(handler))


def _listener(handler: Callable[[int, str], str]) -> Callable[..., None]:
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()

        def tell(message: str) -> None:
            respond(text=message, response_type="ephemeral", replace_original=False)

        with user_errors(tell):
            value = str(action.get("value") or "")
            if not value.isdigit():
                tell("That button no longer points at a drift finding.")
                return
            tell(handler(int(value), str(body["user"]["id"])))

    return listener


def drift_command(checker: DriftChecker, worker: ThreadPool) -> AfterAck:
    """`/platform drift [PB-n]`: check now. The sweep runs the engine, so it goes to the worker."""

    def handle(command: Command, user: str, respond: Respond, payload: dict[str, Any]) -> None:
        assert isinstance(command, DriftCommand)
        target = command.request_id
        if target is not None:
            # A request that does not exist, or built nothing live, is said at once (a quick read),
            # not after "Checking PB-999 ...".
            checker.targets(target)
        respond(
            text=f"Checking {target or 'every stack'} for drift; the answer follows here.",
            response_type="ephemeral",
        )

        def run() -> None:
            with user_errors(lambda message: respond(text=message, response_type="ephemeral")):
                sweep = checker.sweep(request_id=target)
                respond(text=summary_text(sweep, target), response_type="ephemeral")

        worker.submit(run)

    return handle


def summary_text(sweep: DriftSweep, target: str | None) -> str:
    return render_text(
        "notices/drift_summary",
        target=target,
        checked=len(sweep.checked),
        drifting=len(sweep.drifting),
        posted=len(sweep.posted),
        resolved=len(sweep.resolved),
        failures=list(sweep.failures),
        busy=", ".join(sweep.busy),
    )
