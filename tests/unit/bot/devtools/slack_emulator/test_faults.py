"""Injected faults, seen through slack_sdk's own retry handlers."""

from __future__ import annotations

import time
import urllib.error

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.devtools.slack_emulator import SlackEmulator


def test_rate_limit_is_429_with_retry_after_and_fires_once(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("chat.postMessage", "rate_limited", retry_after=7)
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C0REQUESTS", text="too fast")
    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C0REQUESTS", text="later")["ok"]
    assert slack.faults.pending() == []


def test_rate_limit_retry_handler_waits_retry_after_then_succeeds(slack: SlackEmulator) -> None:
    slack.inject("chat.postMessage", "rate_limited", retry_after=1)
    client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    started = time.monotonic()
    assert client.chat_postMessage(channel="C0REQUESTS", text="patient")["ok"]
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in slack.requests_for("chat.postMessage")] == [429, 200]
    assert [m.text for m in slack.messages("C0REQUESTS")] == ["patient"]


def test_a_fault_can_fire_several_times(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("users.info", "rate_limited", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.users_info(user="U0REQ")
    assert client.users_info(user="U0REQ")["ok"]


def test_server_error_is_500_once(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("chat.update", "server_error")
    ts = client.chat_postMessage(channel="C0REQUESTS", text="v1")["ts"]
    with pytest.raises(SlackApiError) as failure:
        client.chat_update(channel="C0REQUESTS", ts=ts, text="v2")
    assert failure.value.response.status_code == 500
    assert slack.messages("C0REQUESTS")[0].text == "v1"
    assert client.chat_update(channel="C0REQUESTS", ts=ts, text="v2")["ok"]


def test_server_error_retry_handler_gets_through(slack: SlackEmulator) -> None:
    slack.inject("chat.postMessage", "server_error")
    client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=1))
    assert client.chat_postMessage(channel="C0REQUESTS", text="again")["ok"]


def test_slow_delays_the_answer(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("auth.test", "slow", delay=0.3)
    started = time.monotonic()
    assert client.auth_test()["ok"]
    assert time.monotonic() - started >= 0.3


def test_slack_error_answers_ok_false_with_the_given_error(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("views.publish", "slack_error", error="not_enabled")
    with pytest.raises(SlackApiError) as failure:
        client.views_publish(user_id="U0REQ", view={"type": "home", "blocks": []})
    assert failure.value.response.status_code == 200
    assert failure.value.response["error"] == "not_enabled"


def test_faults_only_hit_their_method(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("chat.postMessage", "server_error")
    assert client.auth_test()["ok"]
    assert len(slack.faults.pending()) == 1


def test_unknown_fault_kinds_are_refused(slack: SlackEmulator) -> None:
    with pytest.raises(ValueError):
        slack.inject("chat.postMessage", "explode")  # type: ignore[arg-type]


def test_the_upload_post_can_fail_too(client: WebClient, slack: SlackEmulator) -> None:
    slack.inject("upload", "server_error")
    # slack_sdk lets urllib's HTTPError through for the upload step.
    with pytest.raises(urllib.error.HTTPError) as failure:
        client.files_upload_v2(content="diff", channel="C0REQUESTS", title="plan")
    assert failure.value.code == 500
    assert slack.files == []
