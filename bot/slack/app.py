"""The Bolt app: one factory, listeners registered from their modules."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.slack import commands, interactions
from bot.slack.fallback import register_fallback
from bot.slack.services import SlackServices

log = logging.getLogger("bot.slack")


def build_web_client(token: str, base_url: str, *, logger: logging.Logger | None = None) -> WebClient:
    """slack_sdk retries only connection errors by default; 429s (honouring Retry-After) and
    Slack's occasional 5xx are retried too, so a message still arrives."""
    return WebClient(
        token=token,
        base_url=base_url,
        logger=logger,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def secret_safe_logger() -> logging.Logger:
    """slack_sdk logs whole request and response bodies at DEBUG. The client that delivers
    credentials logs through this logger, which never passes DEBUG on, whatever the root level."""
    quiet = logging.getLogger("bot.slack.secret_delivery")
    quiet.setLevel(logging.INFO)
    return quiet


def build_bolt_app(client: WebClient, signing_secret: str, services: SlackServices) -> App:
    # Bolt's own default (five threads), named, and shared with the fallback's ephemeral answers.
    listener_executor = ThreadPoolExecutor(max_workers=5, thread_name_prefix="bolt-listener")
    app = App(
        client=client,
        signing_secret=signing_secret,
        # auth.test at start: a wrong token fails here, not at the first slash command.
        token_verification_enabled=True,
        # A request no listener takes (a stale or forged action id) goes to the fallback, which
        # answers it, instead of Bolt's warning with the whole payload.
        raise_error_for_unhandled_request=True,
        listener_executor=listener_executor,
        logger=log,
    )
    register_fallback(app, listener_executor)
    commands.register(app, services)
    interactions.register(app, services)
    return app
