"""Graceful shutdown of `platformbot serve` on SIGTERM, in a fixed order with fixed limits:

1. HTTP stops accepting; requests in flight get `server.inflight_grace_seconds` to be answered.
2. Queued background work is not started here (it is in the database: start-up recovery plans
   what waits for a plan and applies what was approved); running steps (an apply) get
   `server.shutdown_grace_seconds` to finish.
3. Requesters whose request is left waiting are told it will continue after the restart.
4. The rest of the bot closes. Whatever still runs past the grace is left to start-up recovery,
   which resumes an interrupted apply and tells its thread (bot/workflow/recovery.py).

Every wait has a deadline, so a stop takes at most the two graces plus a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackClientError

from bot.slack.render import render_text
from bot.store import repository
from bot.workflow import RequestState
from bot.workflow.model import format_request_id

if TYPE_CHECKING:
    from bot.app import PlatformBot
    from bot.http_server import HttpServer

log = logging.getLogger("bot.shutdown")

# Left for start-up recovery to pick up: it plans `evaluated` and applies `approved`.
_RESUMED_STATES = {RequestState.EVALUATED, RequestState.APPROVED}


def shut_down(
    bot: PlatformBot,
    servers: list[HttpServer],
    *,
    extra_close: Callable[[], None] | None = None,
) -> bool:
    """Stop `bot` gracefully; True when every running step finished within the grace."""
    settings = bot.config.server
    started = time.monotonic()
    for server in servers:
        server.stop(settings.inflight_grace_seconds)
    if extra_close is not None:
        extra_close()
    if bot.schedules is not None:
        bot.schedules.shutdown()
    # Cancels what is queued, lets what runs go on; a step submitted from now on is refused and
    # stays in the database for recovery.
    bot.worker.shutdown(wait=False)
    finished = _join_within(lambda: bot.worker.shutdown(wait=True), settings.shutdown_grace_seconds)
    if not finished:
        log.warning(
            "a step was still running after %.0f s; start-up recovery takes it over",
            settings.shutdown_grace_seconds,
        )
    _tell_waiting_requesters(bot)
    if finished:
        bot.close()
    log.info("stopped in %.1f s", time.monotonic() - started)
    return finished


def _join_within(work: Callable[[], None], seconds: float) -> bool:
    thread = threading.Thread(target=work, name="shutdown-wait", daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def _tell_waiting_requesters(bot: PlatformBot) -> None:
    with bot.store.read() as session:
        waiting = repository.requests_in_states(session, _RESUMED_STATES)
    for row in waiting:
        if row.id is None or not row.thread_ts:
            continue
        text = render_text("replies/restarting", request_id=format_request_id(row.id))
        try:
            bot.client.chat_postMessage(channel=row.channel, thread_ts=row.thread_ts, text=text)
        except (SlackClientError, OSError) as exc:
            log.warning(
                "could not tell the requester of %s about the restart (%s)", row.id, type(exc).__name__
            )
