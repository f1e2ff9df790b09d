"""The people and the chaos of the chaos scenario (tests/scenarios/test_chaos.py).

Traffic   what people do in Slack: type requests, click approvals, destroy what they own; each
          act on a random live replica, kept alive until the act's effect is stored
Chaos     a thread of SIGKILLs at random moments, some aimed at the worker running an apply
Rows      what the bot's database holds, read in one go (`read_rows`)
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlmodel import col, select

from bot.devtools.slack_emulator import Message, SlackDriver, SlackEmulator
from bot.store import ApprovalRow, AuditEventRow, RequestRow, RunRow, ScheduleClaimRow, Store
from bot.workflow import RequestState
from bot.workflow.model import format_request_id
from tests.support.chaos import Fleet

R = TypeVar("R")
# group -> where its ask is posted and who clicks it (tests/support/scenario.py's config)
APPROVERS = {
    "security": ("C0SECURITY", "U0SEC1"),
    "oncall": ("C0PLATFORM", "U0ONCALL"),
    "finance": ("C0PLATFORM", "U0ONCALL"),
}


@dataclass
class Rows:
    requests: list[RequestRow]
    runs: list[RunRow]
    audit: list[AuditEventRow]
    approvals: list[ApprovalRow] = field(default_factory=list)
    claims: list[ScheduleClaimRow] = field(default_factory=list)


def read_rows(store: Store) -> Rows:
    with store.read() as session:
        return Rows(
            list(session.exec(select(RequestRow).order_by(col(RequestRow.id)))),
            list(session.exec(select(RunRow).order_by(col(RunRow.id)))),
            list(session.exec(select(AuditEventRow).order_by(col(AuditEventRow.id)))),
            list(session.exec(select(ApprovalRow))),
            list(session.exec(select(ScheduleClaimRow))),
        )


def until(predicate: Callable[[], R | None], deadline: float, what: str, every: float = 0.3) -> R:
    """Poll `predicate` (it reads the database: not under the emulator's lock) until the deadline."""
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(every)


class Traffic:
    """What the people do: type requests, click approvals, destroy services they own."""

    def __init__(self, fleet: Fleet, slack: SlackEmulator, store: Store, rng: random.Random) -> None:
        self.fleet = fleet
        self.slack = slack
        self.store = store
        self.rng = rng
        self.secret = slack.workspace.signing_secret

    def _send(self, act: Callable[[SlackDriver], object], stored: Callable[[], object], what: str) -> None:
        """On a random live replica, which lives until `stored()` shows the act took effect;
        acted again (as a person would) when it did not within a few seconds."""
        for _ in range(5):
            with self.fleet.on_replica() as replica:
                act(SlackDriver(self.slack, replica.url, signing_secret=self.secret))
                try:
                    until(stored, time.monotonic() + 10, what)
                    return
                except TimeoutError:
                    continue
        raise AssertionError(f"{what}: no effect after five tries")

    def request(self, text: str, user: str, name: str) -> None:
        def stored() -> bool:
            with self.store.read() as session:
                rows = session.exec(select(RequestRow).where(RequestRow.requester == user)).all()
            return any(r.intent.get("name") == name and r.action == "apply" for r in rows)

        self._send(lambda d: d.slash_command(text, user=user), stored, f"request {name}")

    def approve(self, number: int, required: dict[str, int]) -> None:
        """Every group the request waits for (security; on-call too outside business hours, as
        the real clock may be), each ask clicked by one of its members on a random replica."""
        request_id = format_request_id(number)
        for group in sorted(required):
            channel, approver = APPROVERS[group]
            ask = self.slack.wait_for(functools.partial(_ask, self.slack, channel, request_id), timeout=60)

            def stored(group: str = group) -> bool:
                with self.store.read() as session:
                    votes = session.exec(select(ApprovalRow).where(ApprovalRow.request_id == number)).all()
                    row = session.get(RequestRow, number)
                moved_on = row is not None and row.state != RequestState.AWAITING_APPROVAL
                return moved_on or any(v.group == group for v in votes)

            click = functools.partial(_click, ask=ask, user=approver)
            self._send(click, stored, f"{group} of {request_id}")

    def destroy(self, target: RequestRow) -> None:
        def stored() -> bool:
            with self.store.read() as session:
                rows = session.exec(select(RequestRow).where(RequestRow.target_request_id == target.id)).all()
            return bool(rows)

        text = f"destroy {format_request_id(target.id or 0)}"
        self._send(lambda d: d.slash_command(text, user=target.requester), stored, text)


def _click(driver: SlackDriver, *, ask: Message, user: str) -> object:
    return driver.click(ask, "approve", user=user)


def _ask(slack: SlackEmulator, channel: str, request_id: str) -> Message | None:
    return next(
        (m for m in slack.messages(channel) if request_id in m.all_text and m.find_element("approve")),
        None,
    )


class Chaos(threading.Thread):
    """`kills` SIGKILLs at random moments, each process restarted at once; a share (`aimed`) waits
    for an apply and kills the worker running it."""

    def __init__(
        self, fleet: Fleet, store: Store, rng: random.Random, deadline: float, *, kills: int, aimed: float
    ) -> None:
        super().__init__(name="chaos", daemon=True)
        self.fleet, self.store, self.rng, self.deadline = fleet, store, rng, deadline
        self.kills, self.aimed = kills, aimed
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for _ in range(self.kills):
                time.sleep(self.rng.uniform(2.0, 8.0))
                if self.rng.random() < self.aimed:
                    pid = self._applying_worker(time.monotonic() + 6)
                    if pid is not None:
                        self.fleet.kill("worker", pid=pid, during_apply=True)
                        continue
                self.fleet.kill(self.rng.choice(["worker", "replica"]))
                if time.monotonic() > self.deadline:
                    raise TimeoutError("the chaos ran past its deadline")
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            self.error = exc

    def _applying_worker(self, until: float) -> int | None:
        while time.monotonic() < until:
            workers = self.fleet.pids("worker")
            with self.store.read() as session:
                running = session.exec(select(RunRow).where(RunRow.outcome == "running")).all()
            pids = [r.pid for r in running if r.kind in ("up", "destroy") and r.pid in workers]
            if pids:
                # A moment into the apply, not always at its first instant.
                time.sleep(self.rng.uniform(0.0, 1.5))
                return self.rng.choice(pids)
            time.sleep(0.2)
        return None
