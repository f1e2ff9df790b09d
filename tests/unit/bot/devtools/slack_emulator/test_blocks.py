"""Block Kit limits, as chat.postMessage / chat.update answer them."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.slack_emulator.blocks import block_problems


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _refusal(client: WebClient, blocks: list[dict[str, Any]]) -> SlackApiError:
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C0REQUESTS", text="fallback", blocks=blocks)
    return failure.value


def test_fifty_blocks_are_accepted(client: WebClient) -> None:
    assert client.chat_postMessage(channel="C0REQUESTS", text="x", blocks=[_section("a")] * 50)["ok"]


def test_fifty_one_blocks_are_invalid_blocks(client: WebClient) -> None:
    refusal = _refusal(client, [_section("a")] * 51)
    assert refusal.response["error"] == "invalid_blocks"
    assert "no more than 50 items" in refusal.response["response_metadata"]["messages"][0]


def test_too_much_block_json_is_msg_blocks_too_long(client: WebClient) -> None:
    blocks = [_section("x" * 2900) for _ in range(5)]
    assert _refusal(client, blocks).response["error"] == "msg_blocks_too_long"


def test_section_text_over_3000_is_invalid_blocks_with_a_pointer(client: WebClient) -> None:
    refusal = _refusal(client, [_section("ok"), _section("x" * 3001)])
    assert refusal.response["error"] == "invalid_blocks"
    assert refusal.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    ]


def test_section_text_of_exactly_3000_is_fine(client: WebClient) -> None:
    assert client.chat_postMessage(channel="C0REQUESTS", text="x", blocks=[_section("x" * 3000)])["ok"]


def test_header_text_over_150_is_invalid_blocks(client: WebClient) -> None:
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert _refusal(client, [header]).response["error"] == "invalid_blocks"


def test_button_value_over_2000_is_invalid_blocks(client: WebClient) -> None:
    button = {
        "type": "button",
        "action_id": "a",
        "text": {"type": "plain_text", "text": "Go"},
        "value": "v" * 2001,
    }
    assert _refusal(client, [{"type": "actions", "elements": [button]}]).response["error"] == "invalid_blocks"


def test_update_checks_blocks_too(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0REQUESTS", text="x")["ts"]
    with pytest.raises(SlackApiError) as failure:
        client.chat_update(channel="C0REQUESTS", ts=ts, text="x", blocks=[_section("a")] * 51)
    assert failure.value.response["error"] == "invalid_blocks"


def test_blocks_without_block_id_get_one_like_slack_gives(client: WebClient) -> None:
    message = client.chat_postMessage(channel="C0REQUESTS", text="x", blocks=[_section("a")])["message"]
    assert message["blocks"][0]["block_id"]


def test_duplicate_block_ids_are_refused() -> None:
    blocks = [{**_section("a"), "block_id": "same"}, {**_section("b"), "block_id": "same"}]
    assert block_problems(blocks, limit=50) == [
        "[ERROR] duplicate block_id: same [json-pointer:/blocks/1/block_id]"
    ]


def test_duplicate_action_ids_in_one_block_are_refused_but_not_across_blocks() -> None:
    def button(action_id: str) -> dict[str, Any]:
        return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": "b"}}

    same_block = [{"type": "actions", "elements": [button("go"), button("go")]}]
    across = [
        {"type": "actions", "elements": [button("go")]},
        {"type": "actions", "elements": [button("go")]},
    ]
    assert len(block_problems(same_block, limit=50)) == 1
    assert block_problems(across, limit=50) == []


def test_ten_section_fields_at_most_and_blocks_need_a_type() -> None:
    fields = [{"type": "mrkdwn", "text": "f"}] * 11
    problems = block_problems([{"type": "section", "fields": fields}, {"text": "no type"}], limit=50)
    assert problems == [
        "[ERROR] no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        "[ERROR] missing required field: type [json-pointer:/blocks/1]",
    ]
