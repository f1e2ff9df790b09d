"""Expiring environments as a feature of the app: the expiry job and the buttons, built from the
app's parts; `register` adds the button listeners to the Bolt app. `create_app` builds it, hands
`job` to the scheduler (with the approval window's expiry, as the `expiry` job) and wraps the
workflow's notifier with `announcing` so a new thread says when its environment expires."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from slack_bolt import Ack, App, Respond

from bot.slack.expiry_posts import ACTIONS, APPROVE_KEEP, SlackExpiryPosts, parse_value
from bot.slack.request_views import moment
from bot.slack.services import SlackServices, user_errors
from bot.store import Store, repository
from bot.workflow import Request, Workflow
from bot.workflow.expiry import DestroyPreviewer, EnvironmentExpiry, ExpiryRun
from bot.workflow.expiry_actions import Click, ExpiryActions
from bot.workflow.model import parse_request_id
from bot.workflow.ports import Directory, Notifier, Rulebook
from intents import Catalog
from rulebook import Actor


@dataclass(frozen=True)
class Expiry:
    job: EnvironmentExpiry
    actions: ExpiryActions
    posts: SlackExpiryPosts

    @classmethod
    def build(
        cls,
        *,
        store: Store,
        workflow: Workflow,
        catalog: Catalog,
        rulebook: Rulebook,
        directory: Directory,
        previewer: DestroyPreviewer,
        actor_of: Callable[[str], Actor],
        posts: SlackExpiryPosts,
        every: timedelta | None,
        on_expired: Callable[..., None] | None = None,
    ) -> Expiry:
        """`every`: how often the expiry job runs (bot.schedules.wiring.job_every), told to a click
        that comes after the expiry."""
        job = EnvironmentExpiry(
            store=store,
            catalog=catalog,
            previewer=previewer,
            notifier=posts,
            open_destroy=workflow.request_destroy,
            actor_of=actor_of,
            on_expired=on_expired,
        )
        actions = ExpiryActions(
            store=store,
            catalog=catalog,
            rulebook=rulebook,
            directory=directory,
            clock=workflow.clock,
            notifier=posts,
            open_destroy=workflow.request_destroy,
            actor_of=actor_of,
            moment=moment,
            every=every,
        )
        return cls(job, actions, posts)

    def run(self, now: datetime) -> list[ExpiryRun]:
        return self.job.run(now)

    def register(self, app: App, services: SlackServices) -> None:
        handlers: Mapping[str, Callable[[Click, str], str]] = {
            "expiry_extend": self.actions.extend,
            "expiry_keep": self.actions.keep,
            "expiry_destroy_now": self.actions.destroy_now,
        }
        assert set(handlers) == set(ACTIONS)
        for action_id, handler in handlers.items():
            app.action(action_id)(_listener(_ignoring_asker(handler)))
        app.action(APPROVE_KEEP)(_listener(self._approve_keep))

    def _approve_keep(self, click: Click, asker: str | None, user: str) -> str:
        if asker is None:
            return "That button no longer points at a Keep ask."
        return self.actions.approve_keep(click, asker, user)


def _ignoring_asker(handler: Callable[[Click, str], str]) -> Callable[[Click, str | None, str], str]:
    def run(click: Click, asker: str | None, user: str) -> str:
        return handler(click, user)

    return run


def _listener(handler: Callable[[Click, str | None, str], str]) -> Callable[..., None]:
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()

        def tell(message: str) -> None:
            # Only the clicker sees it, where they clicked; the DM itself stays as it was.
            respond(text=message, response_type="ephemeral", replace_original=False)

        with user_errors(tell):
            parsed = parse_value(action.get("value"))
            if parsed is None:
                tell("That button no longer points at an expiring environment.")
                return
            click, asker = parsed
            tell(handler(click, asker, str(body["user"]["id"])))

    return listener


class AnnouncingNotifier:
    """The workflow's notifier, plus: a request whose apply created an environment that expires says
    when in its thread (after the usual success message), and a destroy that succeeded settles the
    expiry DMs and Keep asks of what it destroyed (their buttons would only say "already destroyed")."""

    def __init__(self, inner: Notifier, store: Store, posts: SlackExpiryPosts) -> None:
        self._inner = inner
        self._store = store
        self._posts = posts

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def succeeded(self, request: Request, outputs: Mapping[str, Any]) -> None:
        self._inner.succeeded(request, outputs)
        if request.action == "destroy" and request.target_request_id is not None:
            with self._store.read() as session:
                target = repository.get_request(session, parse_request_id(request.target_request_id))
            if target is not None:
                self._posts.destroyed(Request.from_row(target), request)
            return
        if request.action != "apply":
            return
        with self._store.read() as session:
            live = repository.get_resource(session, request.stack_name)
        if live is not None and live.expires_at is not None and live.created_by == request.number:
            self._posts.expiry_set(request, live.expires_at)


def announcing(inner: Notifier, store: Store, posts: SlackExpiryPosts) -> Notifier:
    return cast(Notifier, AnnouncingNotifier(inner, store, posts))
