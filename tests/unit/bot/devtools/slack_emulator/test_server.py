"""The HTTP face: lifecycle, auth, request formats, recording, change notifications."""

from __future__ import annotations

import dataclasses
import json
import threading
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.slack_emulator import EmulatorError, Event, SlackEmulator, default_workspace


def _post(url: str, body: bytes, headers: dict[str, str]) -> dict[str, object]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        result: dict[str, object] = json.loads(reply.read())
        return result


def test_base_url_ends_in_api_and_serves_the_real_client() -> None:
    with SlackEmulator() as slack:
        assert slack.base_url.startswith("http://127.0.0.1:")
        assert slack.base_url.endswith("/api/")
        client = WebClient(base_url=slack.base_url, token=slack.workspace.bot_token)
        assert client.auth_test()["user_id"] == "U0BOT"


def test_url_is_refused_before_start_and_after_stop() -> None:
    slack = SlackEmulator()
    with pytest.raises(EmulatorError):
        _ = slack.base_url
    slack.start()
    slack.stop()
    with pytest.raises(EmulatorError):
        _ = slack.url


def test_unknown_token_is_invalid_auth(slack: SlackEmulator) -> None:
    client = WebClient(base_url=slack.base_url, token="xoxb-not-a-real-token")
    with pytest.raises(SlackApiError) as failure:
        client.auth_test()
    assert failure.value.response["error"] == "invalid_auth"


def test_extra_tokens_authenticate_as_the_bot() -> None:
    workspace = dataclasses.replace(default_workspace(), extra_tokens=("xoxb-rotated",))
    with SlackEmulator(workspace) as slack:
        assert WebClient(base_url=slack.base_url, token="xoxb-rotated").auth_test()["user_id"] == "U0BOT"


def test_missing_token_is_not_authed(slack: SlackEmulator) -> None:
    assert _post(slack.base_url + "auth.test", b"", {})["error"] == "not_authed"


def test_token_may_come_in_the_form_body(slack: SlackEmulator) -> None:
    body = f"token={slack.workspace.bot_token}&user=U0REQ".encode()
    reply = _post(slack.base_url + "users.info", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply["ok"] is True


def test_json_bodies_are_read_like_form_bodies(slack: SlackEmulator) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {slack.workspace.bot_token}"}
    reply = _post(slack.base_url + "chat.postMessage", b'{"channel": "C0PLATFORM", "text": "json"}', headers)
    assert reply["ok"] is True
    assert slack.messages("C0PLATFORM")[0].text == "json"


def test_unknown_methods_answer_unknown_method_and_are_recorded(
    client: WebClient, slack: SlackEmulator
) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.api_call("chat.scheduleMessage", json={"channel": "C0REQUESTS", "text": "later"})
    assert failure.value.response["error"] == "unknown_method"
    assert slack.unknown_methods == ["chat.scheduleMessage"]


def test_requests_are_recorded_without_the_token(client: WebClient, slack: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0REQUESTS", text="hello")
    client.users_info(user="U0REQ")
    recorded = slack.requests_for("chat.postMessage")
    assert len(recorded) == 1
    assert recorded[0].json == {"channel": "C0REQUESTS", "text": "hello"}
    assert recorded[0].headers["Authorization"] == "Bearer <redacted>"
    assert recorded[0].status == 200
    assert slack.requests_containing(slack.workspace.bot_token) == []
    assert [r.method for r in slack.requests] == ["chat.postMessage", "users.info"]


def test_requests_containing_finds_a_leaked_secret(client: WebClient, slack: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0REQUESTS", text="password is hunter2")
    assert [r.method for r in slack.requests_containing("hunter2")] == ["chat.postMessage"]


def test_permalinks_resolve_on_the_emulator(client: WebClient, slack: SlackEmulator) -> None:
    ts = client.chat_postMessage(channel="C0REQUESTS", text="link me")["ts"]
    link = client.chat_getPermalink(channel="C0REQUESTS", message_ts=ts)["permalink"]
    with urllib.request.urlopen(link, timeout=5) as reply:
        assert json.loads(reply.read())["message"]["text"] == "link me"


def test_events_are_numbered_and_can_be_read_after_a_sequence(
    client: WebClient, slack: SlackEmulator
) -> None:
    start = slack.last_seq
    client.chat_postMessage(channel="C0REQUESTS", text="one")
    events = slack.events_since(start)
    posted = [e for e in events if e.kind == "message.posted"]
    assert posted[0].data["text"] == "one"
    assert [e.seq for e in events] == list(range(start + 1, start + 1 + len(events)))
    assert slack.events_since(slack.last_seq) == []


def test_a_long_poll_wakes_up_when_something_changes(client: WebClient, slack: SlackEmulator) -> None:
    start = slack.last_seq
    seen: list[Event] = []
    waiter = threading.Thread(target=lambda: seen.extend(slack.wait_for_events(start, timeout=10)))
    waiter.start()
    client.chat_postMessage(channel="C0REQUESTS", text="wake up")
    waiter.join(timeout=10)
    assert seen and seen[0].seq == start + 1


def test_a_long_poll_returns_empty_when_nothing_happens(slack: SlackEmulator) -> None:
    assert slack.wait_for_events(slack.last_seq, timeout=0.05) == []


def test_subscribers_hear_every_change_until_they_unsubscribe(
    client: WebClient, slack: SlackEmulator
) -> None:
    kinds: list[str] = []
    unsubscribe = slack.subscribe(lambda event: kinds.append(event.kind))
    client.chat_postMessage(channel="C0REQUESTS", text="heard")
    unsubscribe()
    client.chat_postMessage(channel="C0REQUESTS", text="not heard")
    assert kinds == ["message.posted", "request"]


def test_a_failing_subscriber_does_not_break_the_api(client: WebClient, slack: SlackEmulator) -> None:
    def broken(event: Event) -> None:
        raise RuntimeError("ui went away")

    slack.subscribe(broken)
    assert client.chat_postMessage(channel="C0REQUESTS", text="still fine")["ok"] is True


def test_wait_for_returns_the_value_once_it_appears(client: WebClient, slack: SlackEmulator) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C0REQUESTS", text="later"))
    timer.start()
    message = slack.wait_for(lambda: slack.find_message("later"), timeout=5)
    assert message.text == "later"


def test_wait_for_gives_up_after_its_timeout(slack: SlackEmulator) -> None:
    with pytest.raises(EmulatorError):
        slack.wait_for(lambda: slack.find_message("never"), timeout=0.05)


def test_unknown_paths_are_404_and_recorded(slack: SlackEmulator) -> None:
    request = urllib.request.Request(slack.url + "/nowhere", method="GET")
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=5)
    assert failure.value.code == 404
    assert slack.requests[-1].path == "/nowhere"


def test_multipart_bodies_are_read_too(slack: SlackEmulator) -> None:
    boundary = "----emulator-test"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="channel"\r\n\r\n'
        "C0PLATFORM\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="text"\r\n\r\n'
        "multipart\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Authorization": f"Bearer {slack.workspace.bot_token}",
    }
    assert _post(slack.base_url + "chat.postMessage", body, headers)["ok"] is True
    assert slack.messages("C0PLATFORM")[0].text == "multipart"
