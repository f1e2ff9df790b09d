"""Opening requests: to apply an intent, or to destroy what an earlier request built.

Both go through the intent-stage rules and are stored `evaluated` (the plan is scheduled) or
`denied` (with the reasons). A retry with the same dedupe key, or a second destroy click, returns
the request the first one opened.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.errors import InvalidTransition, NotAllowed, StoreConflict, WorkflowError
from bot.store import RequestRow, Store, repository
from bot.workflow import ownership, rows
from bot.workflow import transitions as T
from bot.workflow.model import FINAL_STATES, Request, RequestState, Step, format_request_id
from bot.workflow.ports import Directory, Rulebook, Runner, Schedule
from bot.workflow.safe_notifier import SafeNotifier
from intents.catalog import Catalog
from intents.intent import Intent
from intents.values import Reference, reference_of
from provisioners.errors import ProvisionerError
from rulebook import Action, Actor, Verdict


class UnknownPeople(WorkflowError):
    """The request names user ids that are no person of this workspace (answered privately)."""

    def __init__(self, user_ids: list[str]) -> None:
        self.user_ids = tuple(user_ids)
        # Mentions, so Slack shows the names; the ids were validated as user ids by the parser.
        listed = ", ".join(f"<@{u}>" for u in user_ids)
        verb = "is not a person" if len(user_ids) == 1 else "are not people"
        super().__init__(
            f"{listed} {verb} in this workspace (an app or bot, a deactivated account, or no one). "
            "Nothing was stored: mention each person with @ (or pick them in the form) and send it again."
        )


class Submissions:
    def __init__(
        self,
        *,
        store: Store,
        rulebook: Rulebook,
        catalog: Catalog,
        runner: Runner,
        directory: Directory,
        clock: Clock,
        notifier: SafeNotifier,
        schedule: Schedule,
    ) -> None:
        """`runner`: only to name the stack an intent builds; `directory`: who is a person."""
        self._store = store
        self._rulebook = rulebook
        self._catalog = catalog
        self._runner = runner
        self._directory = directory
        self._clock = clock
        self._notifier = notifier
        self._schedule = schedule

    def submit(
        self,
        intent: Intent,
        actor: Actor,
        channel: str,
        now: datetime | None = None,
        *,
        dedupe_key: str | None = None,
        note: str | None = None,
    ) -> Request:
        """Check the intent-stage rules and store the request: `denied` (with reasons) or `evaluated`.

        `note` follows the intent in the text people see (a rotation says so: its parameters
        are the live ones).

        Every person the intent names (an `owners=` list) must be a person of the workspace; if
        any is not, nothing is stored and `UnknownPeople` names them all.
        """
        self._check_people(intent)
        intent = self._keep_credentials(intent)
        at = now or self._clock.now()
        return self._open(intent, actor, channel, "apply", None, at, dedupe_key, note=note)

    def _keep_credentials(self, intent: Intent) -> Intent:
        """A request on a live resource keeps its rotated credentials: only `rotate` changes them
        (a lower credentials_version would be a rotation nobody asked for)."""
        try:
            stack_name = self._runner.stack_name(intent)
        except ProvisionerError:
            return intent  # _open says why
        with self._store.read() as session:
            live = rows.live_intent(session, repository.get_resource(session, stack_name))
        if live is None or intent.credentials_version >= live.credentials_version:
            return intent
        return intent.model_copy(update={"credentials_version": live.credentials_version})

    def _check_people(self, intent: Intent) -> None:
        path = self._catalog.find(intent.path)
        if path is None:
            return
        named: list[str] = []
        for key, spec in path.parameters.items():
            if reference_of(spec) is not Reference.USER or key not in intent.params:
                continue
            value = intent.params[key]
            named += [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        unknown = self._directory.unknown_people(named) if named else []
        if unknown:
            raise UnknownPeople(unknown)

    def request_destroy(
        self,
        target_request_id: str | int,
        actor: Actor,
        channel: str | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        """A new `destroy` request for what `target_request_id` built, through the same rules and approvals.

        Asking twice while one is open returns the open one.
        """
        target = rows.read(self._store, target_request_id)
        assert target.id is not None
        name = format_request_id(target.id)
        if target.action != "apply":
            raise NotAllowed(f"{name} is itself a destroy request.")
        if target.destroyed_at is not None:
            raise NotAllowed(f"What {name} built was already destroyed.")
        if target.state != RequestState.SUCCEEDED:
            raise InvalidTransition(name, target.state.replace("_", " "), "destroyed")
        with self._store.read() as session:
            existing = repository.open_destroy_for(session, target.id, FINAL_STATES)
            # What is live now: a later request (a resize, an update) may have changed it since.
            live = rows.live_intent(session, repository.get_resource(session, target.stack_name))
        if existing is not None:
            return Request.from_row(existing)
        return self._open(
            live or Intent.model_validate(target.intent),
            actor,
            channel or target.channel,
            "destroy",
            target.id,
            self._clock.now(),
            dedupe_key,
        )

    def _open(
        self,
        intent: Intent,
        actor: Actor,
        channel: str,
        action: Action,
        target: int | None,
        at: datetime,
        dedupe_key: str | None,
        *,
        note: str | None = None,
    ) -> Request:
        if dedupe_key is not None:
            with self._store.read() as session:
                seen = repository.find_by_dedupe_key(session, dedupe_key)
            if seen is not None:
                return Request.from_row(seen)
        try:
            stack_name = self._runner.stack_name(intent)
        except ProvisionerError as exc:
            raise WorkflowError(exc.message) from exc
        resource = rows.resource_facts(self._store, stack_name, intent)
        decision = self._rulebook.evaluate(intent, actor, at, action=action, resource=resource)
        denied = decision.verdict is Verdict.DENY
        path = self._catalog.find(intent.path)
        row = RequestRow(
            dedupe_key=dedupe_key,
            requester=actor.user_id,
            requester_team=actor.team,
            requester_groups=list(actor.groups),
            requester_teams=list(actor.teams),
            channel=channel,
            action=action,
            target_request_id=target,
            path=intent.path,
            intent=intent.model_dump(mode="json"),
            intent_text=intent.describe(redact=path.secret_keys if path else ())
            + (f" {note}" if note else ""),
            stack_name=stack_name,
            resource=ownership.stored(resource),
            state=RequestState.DENIED if denied else RequestState.EVALUATED,
            intent_decision=decision.model_dump(mode="json"),
            rulebook_version=decision.rulebook_version,
            error=T.deny_message(decision) if denied else None,
            created_at=at,
            updated_at=at,
            finished_at=at if denied else None,
        )
        try:
            with self._store.write() as session:
                if target is not None:
                    rows.locked(session, target)  # one destroy at a time per target
                    if repository.open_destroy_for(session, target, FINAL_STATES) is not None:
                        raise StoreConflict()
                repository.insert_request(session, row)
                detail = {
                    "verdict": str(decision.verdict),
                    "rules": list(decision.rule_ids),
                    "action": action,
                }
                T.created(session, row, actor=actor.user_id, at=at, detail=detail)
        except StoreConflict:
            # Lost a race with the same retry (dedupe key) or the same destroy click: return the winner.
            with self._store.read() as session:
                if dedupe_key is not None and (seen := repository.find_by_dedupe_key(session, dedupe_key)):
                    return Request.from_row(seen)
                if target is not None and (
                    seen := repository.open_destroy_for(session, target, FINAL_STATES)
                ):
                    return Request.from_row(seen)
            raise
        assert row.id is not None
        request = Request.from_row(row)
        thread_ts = self._notifier.request_opened(request)
        if isinstance(thread_ts, str) and thread_ts:
            with self._store.write() as session:
                repository.update_request(session, row.id, at, thread_ts=thread_ts)
            request = rows.snapshot(self._store, row.id)
        self._notifier.verdict_posted(request, decision)
        if not denied:
            self._schedule(Step.PLAN, request.id)
        return request
