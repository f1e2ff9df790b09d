"""Environments that expire (issue 15, ttl=): the expiry a new resource gets, the warnings before it
and the destroy at it.

    on_created(session, row, at)   the applier, in the transaction that records the new resource
    EnvironmentExpiry.run(now)     the scheduler's `expiry` job: 24 h and 1 h warnings, then the destroy

A warning is claimed (bot.store.expiry.claim_step) before it is sent, so several replicas send it
once, and a crash between the two loses that one warning rather than sending it twice. The destroy
is asked first and claimed after: it is opened with a dedupe key made of the stack and the expiry,
so a replica or a restart that asks again gets the same destroy request, and the claim only says
the step is done. That destroy is an ordinary destroy request (`Workflow.request_destroy`): the same
rules, approvals and audit as one a person asks for, with one more audit event naming the expiry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from bot.store import RequestRow, ResourceRow, Store, repository
from bot.store import expiry as store_expiry
from bot.workflow import rows
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, Request, format_request_id
from intents.catalog import Catalog
from intents.durations import parse_duration
from intents.golden_path import TTL_KEY, TtlPolicy
from intents.intent import Intent
from provisioners.plan import Plan
from provisioners.render import readable_address
from rulebook import Actor

log = logging.getLogger("bot.workflow.expiry")

# The audit event on the destroy request the expiry opened, and on the request whose resource expired.
DESTROY_CAUSE = "request.destroy_caused_by_expiry"


def ttl_of(intent: Intent) -> timedelta | None:
    value = intent.params.get(TTL_KEY)
    return parse_duration(value) if isinstance(value, str) and value else None


def on_created(session: Session, row: RequestRow, at: datetime) -> datetime | None:
    """A request's apply has just recorded its resource: one created with ttl= expires `ttl` later
    (audited on the request). Inside the applier's transaction, so the resource never exists
    without the expiry its request asked for."""
    assert row.id is not None
    ttl = ttl_of(Intent.model_validate(row.intent))
    if ttl is None:
        return None
    expires_at = store_expiry.start_expiry(session, row.stack_name, row.id, ttl)
    if expires_at is not None:
        detail = {"expires_at": expires_at.isoformat(), "ttl": str(row.intent["params"][TTL_KEY])}
        T.record(session, row, "resource.expiry_set", actor=BOT_ACTOR, at=at, detail=detail)
    return expires_at


@dataclass(frozen=True)
class ExpiryNotice:
    """What a warning DM (and the thread) says about one expiring resource."""

    request: Request  # the request that last changed the resource (its thread, its intent)
    stack_name: str
    owner: str  # who gets the DM: the resource's owner (else the request's requester)
    owner_team: str | None
    expires_at: datetime
    step: str  # WARN_DAY / WARN_HOUR
    # What the destroy plan would remove, by readable name ("PostgresDatabase billing").
    removes: tuple[str, ...]
    plan_read: bool  # False: the engine could not preview the destroy (removes is then empty)
    extend_to: datetime | None  # None: Extend would not move it (at its maximum)
    extend_by: str | None
    longest: str | None
    # The time really left when the DM is sent: a short ttl's first warning comes late, not "in 1 hour".
    left: timedelta


@dataclass(frozen=True)
class WarningPlan:
    """Which warning DMs an expiry `ttl` after creation can promise, with the expiry job running at
    least every `every`: a step is only promised when a run surely falls between the creation and
    its moment, and its DM can still come before the expiry."""

    at_once: bool  # one DM within `every` of the creation (the steps already due by then, in one)
    before: tuple[timedelta, ...]  # DMs that come this long before the expiry, longest first

    @property
    def none(self) -> bool:
        return not self.at_once and not self.before


def warnings_ahead(ttl: timedelta, every: timedelta | None) -> WarningPlan:
    if every is None or ttl <= every:
        return WarningPlan(False, ())  # the job may first run after the expiry: no promise
    steps = [before for step, before in store_expiry.STEPS if step != store_expiry.EXPIRED and before > every]
    return WarningPlan(
        at_once=any(ttl - before < every for before in steps),
        before=tuple(before for before in steps if ttl - before >= every),
    )


def in_words(delta: timedelta) -> str:
    """A span as people say it: `1 minute`, `55 minutes`, `1 hour 5 minutes`, `24 hours`, `3 days`."""
    minutes = max(round(delta.total_seconds() / 60), 0)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return _count(minutes, "minute")
    hours, rest = divmod(minutes, 60)
    if hours >= 48 and minutes % (24 * 60) == 0:
        return _count(hours // 24, "day")
    if hours >= 3 or rest == 0:
        return _count(round(minutes / 60), "hour")
    return f"{_count(hours, 'hour')} {_count(rest, 'minute')}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


class ExpiryNotifier(Protocol):
    """What the expiry tells people (bot.slack.expiry_posts in Slack). Called outside transactions."""

    def warn(self, notice: ExpiryNotice) -> None:
        """DM the owner: Extend, Keep, Destroy now, and what the destroy would remove."""
        ...

    def expiry_set(self, request: Request, expires_at: datetime) -> None:
        """The request's thread: its resource expires at `expires_at`."""
        ...

    def destroy_asked(self, request: Request, destroy: Request, cause: str, seen: datetime) -> None:
        """The request's thread: `destroy` was opened for its resource (`cause`: "expiry", "clicked")
        whose expiry was `seen`; the warnings and Keep asks about that expiry say so, without buttons."""
        ...


class DestroyPreviewer(Protocol):
    def preview_destroy(self, intent: Intent) -> Plan: ...


OpenDestroy = Callable[..., Request]  # Workflow.request_destroy(target, actor, dedupe_key=...)


def removed_names(plan: Plan) -> tuple[str, ...]:
    """The resources a destroy plan removes, as people name them: kind and name, not type tokens."""
    return tuple(readable_address(c.address) for c in plan.changes if c.op == "delete")


def policy_of(catalog: Catalog, path: str) -> TtlPolicy | None:
    golden = catalog.find(path)
    return golden.ttl if golden is not None else None


def destroy_key(live: ResourceRow) -> str:
    """One destroy per expiry of a stack: what makes a repeated ask return the same request."""
    assert live.expires_at is not None
    return f"expiry:{live.stack_name}:{live.expires_at.isoformat()}"


@dataclass(frozen=True)
class ExpiryRun:
    stack_name: str
    step: str
    destroy: str | None = None


class EnvironmentExpiry:
    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        previewer: DestroyPreviewer,
        notifier: ExpiryNotifier,
        open_destroy: OpenDestroy,
        actor_of: Callable[[str], Actor],
        on_expired: Callable[[ResourceRow, Request], None] | None = None,
    ) -> None:
        """`open_destroy`: the workflow's request_destroy; `actor_of`: a Slack user as the rulebook
        sees them (the destroy is asked in the owner's name: it is their ttl=). `on_expired`: the
        metrics, told once per destroy the expiry opened."""
        self._store = store
        self._catalog = catalog
        self._previewer = previewer
        self._notifier = notifier
        self._open_destroy = open_destroy
        self._actor_of = actor_of
        self._on_expired = on_expired

    def run(self, now: datetime) -> list[ExpiryRun]:
        with self._store.read() as session:
            due = list(store_expiry.due_resources(session, now))
        taken = []
        for live in due:
            step = store_expiry.due_step(live, now)
            if step is None:
                continue
            try:
                run = self._expire(live, now) if step == store_expiry.EXPIRED else self._warn(live, step, now)
            except Exception:
                # One resource that cannot be warned or destroyed must not stop the others.
                log.exception("expiry step %s of %s failed", step, live.stack_name)
                continue
            if run is not None:
                taken.append(run)
        return taken

    def notice(self, live: ResourceRow, step: str, now: datetime) -> ExpiryNotice:
        """The DM's content: reads the destroy plan from the engine (outside any transaction)."""
        assert live.expires_at is not None
        request = rows.snapshot(self._store, live.request_id)
        intent = request.intent
        try:
            removes, read = removed_names(self._previewer.preview_destroy(intent)), True
        except Exception:
            log.exception("destroy preview of %s failed", live.stack_name)
            removes, read = (), False
        policy = policy_of(self._catalog, live.path)
        extend_to = store_expiry.extended(live, policy.step, policy.longest) if policy is not None else None
        return ExpiryNotice(
            request=request,
            stack_name=live.stack_name,
            owner=live.owner or request.requester,
            owner_team=live.owner_team,
            expires_at=live.expires_at,
            step=step,
            removes=removes,
            plan_read=read,
            extend_to=extend_to,
            extend_by=policy.extend if policy is not None else None,
            longest=policy.max if policy is not None else None,
            left=live.expires_at - now,
        )

    def _warn(self, live: ResourceRow, step: str, now: datetime) -> ExpiryRun | None:
        with self._store.write() as session:
            if not store_expiry.claim_step(session, live, step):
                return None
        self._notifier.warn(self.notice(live, step, now))
        return ExpiryRun(live.stack_name, step)

    def _expire(self, live: ResourceRow, now: datetime) -> ExpiryRun | None:
        request = rows.snapshot(self._store, live.request_id)
        actor = self._actor_of(live.owner or request.requester)
        destroy = self._open_destroy(live.request_id, actor, request.channel, dedupe_key=destroy_key(live))
        assert live.expires_at is not None
        with self._store.write() as session:
            if not store_expiry.claim_step(session, live, store_expiry.EXPIRED):
                return None
            detail = {
                "cause": "expiry",
                "expires_at": live.expires_at.isoformat(),
                "target": format_request_id(live.request_id),
                "destroy": destroy.id,
                # For the metrics: how long it lived (resource-hours) once the destroy has run.
                "live_since": live.created_at.isoformat(),
            }
            for number in (destroy.number, live.request_id):
                row = repository.get_request(session, number)
                if row is not None:
                    T.record(session, row, DESTROY_CAUSE, actor=BOT_ACTOR, at=now, detail=detail)
        self._notifier.destroy_asked(request, destroy, "expiry", live.expires_at)
        if self._on_expired is not None:
            self._on_expired(live, destroy)
        return ExpiryRun(live.stack_name, store_expiry.EXPIRED, destroy.id)
