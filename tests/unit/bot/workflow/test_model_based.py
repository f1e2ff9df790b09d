"""Many people, many interleavings: a hypothesis state machine over the real workflow.

The real Workflow, SQLite store, default rulebook and catalog; the infrastructure is an in-memory
double of the Runner port (tests/support/fake_runner.py), so thousands of steps stay fast. People
in several teams and groups request, plan, approve (their own requests, stale plans, twice),
reject, cancel, destroy, apply, transfer and let approvals expire, in any order, on a few names.
After every step the trust invariants must hold:

1. a live resource changes or disappears only through a request its owning team asked for or
   approved (or its owner, when the owner is in no team);
2. secret outputs go only to the owner or a member of the owning team;
3. every request's audit events chain from its submission to its stored state;
4. the last snapshot the notifier was given for a request shows its stored state;
5. no request is stuck: nothing is left applying, and every missing approval has someone other
   than the requester who may give it;
6. the `resources` table is exactly the live resources, with their owners;
7. separation of duties: an approved request was signed by as many different people as its
   quorums add up to (one person in two required groups counts for one of them);
8. a later request on the same resource supersedes the earlier one from the inside: once a request
   is planned and waits (or is approved), no older open request on its stack by the same requester,
   a teammate of that requester, or (for an admin) anyone is still open; a superseded request's root
   says superseded;
9. no request applies a plan decided on an older state of its resource than the live one.
"""

from __future__ import annotations

from collections.abc import Collection, Set
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import select

from bot.clock import ManualClock
from bot.errors import WorkflowError
from bot.slack import request_views as views
from bot.store import ResourceRow, Store
from bot.workflow import Request, RequestState, Workflow, WorkflowPolicy
from intents import DEFAULT_CATALOG_PATH, Intent, load_catalog
from rulebook import DEFAULT_RULEBOOK_PATH, Actor, load_rulebook
from tests.support.clock import MONDAY_MORNING
from tests.support.fake_runner import FakeRunner
from tests.support.workflow import RecordingNotifier

TEAMS = {"payments": {"U_RILEY", "U_PAY2"}, "search": {"U_DANA", "U_SEC2"}, "platform": {"U_ADMIN"}}
# Every group has two members: a group of one cannot approve its own member's request (a
# configuration the rulebook cannot see; the model test found it with on-call after hours).
GROUPS = {"security": {"U_SEC1", "U_SEC2"}, "oncall": {"U_ADMIN", "U_PAY2"}}
PEOPLE = ("U_RILEY", "U_PAY2", "U_DANA", "U_NOBODY", "U_SEC1", "U_SEC2", "U_ADMIN")
TARGETS = (("postgres-database", "billing"), ("service", "checkout"))
# Records that are not state changes: they keep the state as it was.
RECORDS = {
    "approval.recorded",
    "request.destroyed",
    "resource.transferred",
    "request.plan_changed",
    "request.also_open",
    "stack.busy",
    "stack.lock_cleared",
}

CATALOG = load_catalog(DEFAULT_CATALOG_PATH)
RULEBOOK = load_rulebook(DEFAULT_RULEBOOK_PATH)


def team_of(user: str) -> str | None:
    return next((team for team, members in sorted(TEAMS.items()) if user in members), None)


class ModelDirectory:
    """Approver groups, teams (`team:<t>`) and single owners (`owner:<u>`), as the Slack directory."""

    def members(self, group: str) -> Set[str]:
        if group.startswith("team:"):
            return frozenset(TEAMS.get(group.removeprefix("team:"), ()))
        if group.startswith("owner:"):
            return frozenset({group.removeprefix("owner:")})
        return frozenset(GROUPS.get(group, ()))

    def unknown_people(self, user_ids: Collection[str]) -> list[str]:
        return []  # the model's owners= names one fixed person


def actor(user: str) -> Actor:
    groups = tuple(sorted(g for g, members in GROUPS.items() if user in members))
    return Actor(user_id=user, team=team_of(user), groups=groups)


def intent(target: tuple[str, str], env: str, variant: int) -> Intent:
    path, name = target
    if path == "postgres-database":
        return CATALOG.build_intent(path, {"name": name, "env": env, "size": ("small", "medium")[variant]})
    values = {"name": name, "env": env, "team": "payments", "language": ("go", "python")[variant]}
    return CATALOG.build_intent(path, {**values, "owners": "U0OWNER"})


people = st.sampled_from(PEOPLE)
picks = st.integers(min_value=0, max_value=63)


class TrustMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self._tmp = TemporaryDirectory()
        self.store = Store.from_url(f"sqlite:///{Path(self._tmp.name) / 'model.sqlite3'}")
        self.clock = ManualClock(MONDAY_MORNING)
        self.runner = FakeRunner()
        self.notifier = RecordingNotifier()
        self.directory = ModelDirectory()
        self.workflow = Workflow(
            store=self.store,
            rulebook=RULEBOOK,
            catalog=CATALOG,
            runner=self.runner,
            notifier=self.notifier,
            directory=self.directory,
            clock=self.clock,
            policy=WorkflowPolicy(approval_ttl=timedelta(hours=8), admins=frozenset({"U_ADMIN"})),
            hostname="model",
            pid=1,
        )
        self.requests: list[str] = []
        # The model's own record of who owns each live stack: (team, owner).
        self.owners: dict[str, tuple[str | None, str | None]] = {}
        self.seen_operations = 0
        self.seen_calls = 0
        self.last_snapshot: dict[str, Request] = {}
        self.succeeded: set[str] = set()
        # The request that last changed each live stack (the model's resources.request_id).
        self.last_change: dict[str, str] = {}

    def teardown(self) -> None:
        if hasattr(self, "store"):
            self.store.dispose()
            self._tmp.cleanup()

    def _pick(self, index: int) -> str:
        return self.requests[index % len(self.requests)]

    def _attempt(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        """People try things they may not do: a refusal is an answer, not a failure."""
        try:
            return call(*args, **kwargs)
        except WorkflowError:
            return None

    # People --------------------------------------------------------------------------------

    @rule(
        user=people,
        where=st.sampled_from(TARGETS),
        env=st.sampled_from(("dev", "prod")),
        variant=st.integers(0, 1),
        retry=st.booleans(),
    )
    def submit(self, user: str, where: tuple[str, str], env: str, variant: int, retry: bool) -> None:
        key = f"k-{len(self.requests)}"
        request = self.workflow.submit(intent(where, env, variant), actor(user), "C", dedupe_key=key)
        if retry:  # Slack retried the same command: the same request comes back
            assert self.workflow.submit(intent(where, env, variant), actor(user), "C", dedupe_key=key).id == (
                request.id
            )
        self.requests.append(request.id)

    @precondition(lambda self: self.requests)
    @rule(pick=picks)
    def plan(self, pick: int) -> None:
        self.workflow.plan(self._pick(pick))

    @precondition(lambda self: self.requests)
    @rule(pick=picks, user=people, stale=st.booleans(), twice=st.booleans())
    def approve(self, pick: int, user: str, stale: bool, twice: bool) -> None:
        request_id = self._pick(pick)
        current = self.workflow.get(request_id).plan_hash or ""
        for _ in range(2 if twice else 1):
            self._attempt(self.workflow.approve, request_id, user, "0" * 64 if stale else current)

    @precondition(lambda self: self.requests)
    @rule(pick=picks, user=people)
    def reject(self, pick: int, user: str) -> None:
        self._attempt(self.workflow.reject, self._pick(pick), user, "not like this")

    @precondition(lambda self: self.requests)
    @rule(pick=picks, user=people)
    def cancel(self, pick: int, user: str) -> None:
        self._attempt(self.workflow.cancel, self._pick(pick), user)

    @precondition(lambda self: self.requests)
    @rule(pick=picks, user=people)
    def destroy(self, pick: int, user: str) -> None:
        destroy = self._attempt(self.workflow.request_destroy, self._pick(pick), actor(user))
        if destroy is not None and destroy.id not in self.requests:
            self.requests.append(destroy.id)

    @precondition(lambda self: self.requests)
    @rule(pick=picks, twice=st.booleans())
    def apply(self, pick: int, twice: bool) -> None:
        for _ in range(2 if twice else 1):
            self.workflow.apply(self._pick(pick))

    @precondition(lambda self: self.requests)
    @rule(pick=picks, user=people, team=st.sampled_from(sorted(TEAMS)))
    def transfer(self, pick: int, user: str, team: str) -> None:
        outcome = self._attempt(self.workflow.transfer, self._pick(pick), team, user)
        if outcome is not None and outcome.changed:
            assert user == "U_ADMIN"
            stack = outcome.request.stack_name
            _, owner = self.owners[stack]
            self.owners[stack] = (team, owner if owner in TEAMS[team] else None)

    @rule(hours=st.sampled_from((1, 9)))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))
        self.workflow.expire_due()

    # Invariants ------------------------------------------------------------------------------

    def _owners_of(self, stack: str) -> set[str]:
        team, owner = self.owners[stack]
        members = set(TEAMS.get(team, ())) if team else set()
        return members | ({owner} if owner else set())

    @invariant()
    def live_resources_change_only_with_their_owners_say(self) -> None:
        if not hasattr(self, "runner"):
            return
        new = self.runner.operations[self.seen_operations :]
        self.seen_operations = len(self.runner.operations)
        assert len(new) <= 1  # one request moves per step
        done = [
            r
            for r in map(self.workflow.get, self.requests)
            if r.state is RequestState.SUCCEEDED and r.id not in self.succeeded
        ]
        self.succeeded |= {r.id for r in done}
        assert len(done) == len(new), f"{len(new)} operations, {len(done)} requests succeeded"
        for operation, request in zip(new, done, strict=True):
            assert request.stack_name == operation.stack
            assert (request.action == "destroy") == (operation.kind == "destroy")
            if operation.stack in self.owners:
                owners = self._owners_of(operation.stack)
                event(
                    "an existing resource changed"
                    + ("" if request.requester in owners else " by an outsider")
                )
                approvers = {a.approver for a in self.workflow.status(request.id).approvals}
                assert request.requester in owners or approvers & (owners - {request.requester}), (
                    f"{request.id} by {request.requester} changed {operation.stack} owned by {owners}"
                )
            # The plan applied was decided on the resource as it is now, not before a later change.
            decided_on = request.resource.request_id if request.resource else None
            assert decided_on == self.last_change.get(operation.stack), (
                f"{request.id} applied a plan decided on {decided_on}, the resource was last changed "
                f"by {self.last_change.get(operation.stack)}"
            )
            if operation.kind == "destroy":
                self.last_change.pop(operation.stack, None)
            else:
                self.last_change[operation.stack] = request.id
            if operation.kind == "destroy":
                self.owners.pop(operation.stack, None)
            elif operation.stack not in self.owners:
                # A service belongs to the team it declares; its requester owns it only from inside.
                team = request.intent.params.get("team") or request.requester_team
                owner = request.requester if team is None or team == request.requester_team else None
                self.owners[operation.stack] = (team, owner)

    @invariant()
    def secrets_go_only_to_the_owning_team(self) -> None:
        if not hasattr(self, "notifier"):
            return
        calls = self.notifier.calls[self.seen_calls :]
        self.seen_calls = len(self.notifier.calls)
        for method, args in calls:
            for arg in args:
                if isinstance(arg, Request):
                    self.last_snapshot[arg.id] = arg
            if method == "secrets_withheld":
                event("secrets withheld from an outsider")
            if method == "deliver_secrets":
                recipient, request, _ = args
                assert recipient in self._owners_of(request.stack_name), (
                    f"secrets of {request.stack_name} went to {recipient}"
                )

    @invariant()
    def audit_trails_chain_to_the_stored_state(self) -> None:
        if not hasattr(self, "workflow"):
            return
        for request_id in self.requests:
            status = self.workflow.status(request_id)
            trail = status.audit
            assert trail[0].event == "request.submitted" and trail[0].from_state is None
            state = trail[0].to_state
            for entry in trail[1:]:
                assert entry.from_state == state, (
                    f"{request_id}: {entry.event} from {entry.from_state}, was {state}"
                )
                if entry.event in RECORDS:
                    assert entry.to_state == state, f"{request_id}: record {entry.event} moved the state"
                else:
                    assert entry.to_state != state, f"{request_id}: {entry.event} is no transition"
                state = entry.to_state
            assert state == status.request.state

    @invariant()
    def the_thread_was_last_told_the_stored_state(self) -> None:
        if not hasattr(self, "workflow"):
            return
        for request_id in self.requests:
            stored = self.workflow.get(request_id)
            shown = self.last_snapshot[request_id]
            assert (shown.state, shown.destroyed_by, shown.superseded_by) == (
                stored.state,
                stored.destroyed_by,
                stored.superseded_by,
            ), f"{request_id}: the thread was last told {shown.state}, stored {stored.state}"

    @invariant()
    def an_insiders_later_request_supersedes_the_earlier_one(self) -> None:
        if not hasattr(self, "workflow"):
            return
        requests = [self.workflow.get(r) for r in self.requests]
        waiting = (RequestState.AWAITING_APPROVAL, RequestState.APPROVED)
        still_open = (*waiting, RequestState.EVALUATED, RequestState.PLANNED)
        for newer in requests:
            if newer.state not in waiting or newer.planned_at is None:
                continue
            for older in requests:
                if older.number >= newer.number or older.stack_name != newer.stack_name:
                    continue
                insider = newer.requester in (older.requester, "U_ADMIN") or (
                    newer.requester_team is not None and newer.requester_team == older.requester_team
                )
                if insider:
                    event("a later request on the same resource by an insider")
                    assert older.state not in still_open, (
                        f"{older.id} is still {older.state} after {newer.id} on the same stack"
                    )
        for request in requests:
            if request.state is RequestState.CANCELLED and request.superseded_by:
                event("a request was superseded")
                # The last snapshot the notifier got (read here: invariants run in any order).
                shown = next(
                    a
                    for _, args in reversed(self.notifier.calls)
                    for a in args
                    if isinstance(a, Request) and a.id == request.id
                )
                assert "superseded" in str(views.root_blocks(shown)), f"{request.id}'s root hides it"
                assert views.ask_outcome(shown) == f"Superseded by {request.superseded_by}."

    @invariant()
    def no_request_is_stuck(self) -> None:
        if not hasattr(self, "workflow"):
            return
        for request_id in self.requests:
            status = self.workflow.status(request_id)
            request = status.request
            assert request.state is not RequestState.APPLYING
            if request.state is RequestState.AWAITING_APPROVAL:
                for group, missing in status.remaining.items():
                    if missing:
                        eligible = set(self.directory.members(group)) - {request.requester}
                        assert eligible, f"{request_id}: nobody but the requester can approve {group}"

    @invariant()
    def every_counted_approval_is_a_different_person(self) -> None:
        if not hasattr(self, "workflow"):
            return
        for request_id in self.requests:
            status = self.workflow.status(request_id)
            request = status.request
            people = [a.approver for a in status.approvals]
            assert len(people) == len(set(people)), f"{request_id}: one person counted twice: {people}"
            assert request.requester not in people
            missing = sum(status.remaining.values())
            assert len(people) == sum(request.required_approvals.values()) - missing
            if request.state in (RequestState.APPROVED, RequestState.SUCCEEDED) and request.approved_at:
                assert missing == 0, f"{request_id}: {request.state} with {missing} approvals missing"

    @invariant()
    def the_resources_table_is_the_live_resources(self) -> None:
        if not hasattr(self, "store"):
            return
        with self.store.read() as session:
            rows = {r.stack_name: (r.owner_team, r.owner) for r in session.exec(select(ResourceRow)).all()}
        assert rows == self.owners
        assert set(rows) == set(self.runner.live)


TrustMachine.TestCase.settings = settings(
    # 50 runs of 50 steps: 2,500 steps, long enough for one team to build and another to try.
    max_examples=50,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_trust_invariants_hold_over_many_interleavings = TrustMachine.TestCase
