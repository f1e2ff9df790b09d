"""Block Kit limits Slack enforces, checked the way Slack reports them.

Only the limits a ChatOps bot runs into are checked; a message that passes here can still be
refused by Slack for a rarer reason. Error messages follow Slack's `response_metadata.messages`
form (`[ERROR] ... [json-pointer:/blocks/0/text/text]`) so a failing test points at the block.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from bot.devtools.slack_emulator.errors import SlackMethodError

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
# Slack documents no exact number; messages with roughly this much block JSON are refused
# with `msg_blocks_too_long`, and being stricter here is the safe side.
MAX_MESSAGE_BLOCKS_JSON = 12_000
MAX_TEXT = 40_000
SECTION_TEXT = 3_000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2_000
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2_000
ID_LENGTH = 255
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
OPTION_TEXT = 75
OPTION_VALUE = 150
VIEW_TITLE = 24
PRIVATE_METADATA = 3_000


def _too_long(limit: int, pointer: str) -> str:
    return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        text = obj.get("text", "")
        return text if isinstance(text, str) else ""
    return ""


def _check_text(obj: Any, limit: int, pointer: str, problems: list[str]) -> None:
    if obj is None:
        return
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        problems.append(f"[ERROR] must be a text object [json-pointer:{pointer}]")
        return
    if len(obj["text"]) > limit:
        problems.append(_too_long(limit, pointer + "/text"))


def _check_element(element: Any, pointer: str, problems: list[str], action_ids: set[str]) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        problems.append(f"[ERROR] missing required field: type [json-pointer:{pointer}]")
        return
    action_id = element.get("action_id")
    if isinstance(action_id, str):
        if len(action_id) > ID_LENGTH:
            problems.append(_too_long(ID_LENGTH, pointer + "/action_id"))
        if action_id in action_ids:
            problems.append(f"[ERROR] duplicate action_id: {action_id} [json-pointer:{pointer}/action_id]")
        action_ids.add(action_id)
    if element["type"] == "button":
        _check_text(element.get("text"), BUTTON_TEXT, pointer + "/text", problems)
        value = element.get("value")
        if isinstance(value, str) and len(value) > BUTTON_VALUE:
            problems.append(_too_long(BUTTON_VALUE, pointer + "/value"))
    for i, option in enumerate(element.get("options") or []):
        option_pointer = f"{pointer}/options/{i}"
        if isinstance(option, dict):
            _check_text(option.get("text"), OPTION_TEXT, option_pointer + "/text", problems)
            value = option.get("value")
            if isinstance(value, str) and len(value) > OPTION_VALUE:
                problems.append(_too_long(OPTION_VALUE, option_pointer + "/value"))


def _check_block(block: Any, pointer: str, problems: list[str], block_ids: set[str]) -> None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        problems.append(f"[ERROR] missing required field: type [json-pointer:{pointer}]")
        return
    block_id = block.get("block_id")
    if isinstance(block_id, str):
        if len(block_id) > ID_LENGTH:
            problems.append(_too_long(ID_LENGTH, pointer + "/block_id"))
        if block_id in block_ids:
            problems.append(f"[ERROR] duplicate block_id: {block_id} [json-pointer:{pointer}/block_id]")
        block_ids.add(block_id)
    kind = block["type"]
    # action_id must be unique within a block, not across blocks.
    action_ids: set[str] = set()
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            problems.append(f"[ERROR] must provide text or fields [json-pointer:{pointer}]")
        _check_text(block.get("text"), SECTION_TEXT, pointer + "/text", problems)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            problems.append(
                f"[ERROR] no more than {SECTION_FIELDS} items allowed [json-pointer:{pointer}/fields]"
            )
        for i, f in enumerate(fields):
            _check_text(f, SECTION_FIELD_TEXT, f"{pointer}/fields/{i}", problems)
        if block.get("accessory") is not None:
            _check_element(block["accessory"], pointer + "/accessory", problems, action_ids)
    elif kind == "header":
        _check_text(block.get("text"), HEADER_TEXT, pointer + "/text", problems)
        if block.get("text") is None:
            problems.append(f"[ERROR] missing required field: text [json-pointer:{pointer}]")
    elif kind in ("actions", "context"):
        limit = ACTIONS_ELEMENTS if kind == "actions" else CONTEXT_ELEMENTS
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            problems.append(f"[ERROR] missing required field: elements [json-pointer:{pointer}]")
            return
        if len(elements) > limit:
            problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:{pointer}/elements]")
        if kind == "actions":
            for i, element in enumerate(elements):
                _check_element(element, f"{pointer}/elements/{i}", problems, action_ids)
    elif kind == "input":
        _check_text(block.get("label"), SECTION_FIELD_TEXT, pointer + "/label", problems)
        _check_element(block.get("element"), pointer + "/element", problems, action_ids)


def block_problems(blocks: Any, *, limit: int) -> list[str]:
    """Every limit the blocks break, as Slack-style messages (empty when they are fine)."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        _check_block(block, f"/blocks/{i}", problems, block_ids)
    return problems


def check_message_blocks(blocks: Any) -> None:
    """Raise the error chat.postMessage / chat.update would answer for these blocks."""
    problems = block_problems(blocks, limit=MAX_MESSAGE_BLOCKS)
    if problems:
        raise SlackMethodError("invalid_blocks", messages=problems)
    # slack_sdk sends json.dumps with default separators; measure the same text.
    if len(json.dumps(blocks)) > MAX_MESSAGE_BLOCKS_JSON:
        raise SlackMethodError("msg_blocks_too_long")


def check_message_text(text: Any) -> None:
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise SlackMethodError("msg_too_long")


def check_view(view: Any, *, expected_type: str | None = None) -> None:
    """Raise what views.open/update/push/publish answer for a malformed view."""
    if not isinstance(view, dict):
        raise SlackMethodError(
            "invalid_arguments", messages=["[ERROR] must be an object [json-pointer:/view]"]
        )
    kind = view.get("type")
    problems: list[str] = []
    if kind not in ("modal", "home") or (expected_type is not None and kind != expected_type):
        problems.append(f"[ERROR] unsupported type: {kind} [json-pointer:/view/type]")
    if kind == "modal":
        title = view.get("title")
        if not isinstance(title, dict) or not _text_of(title):
            problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
        for key in ("title", "submit", "close"):
            if view.get(key) is not None and len(_text_of(view[key])) > VIEW_TITLE:
                problems.append(_too_long(VIEW_TITLE, f"/view/{key}/text"))
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA:
        problems.append(_too_long(PRIVATE_METADATA, "/view/private_metadata"))
    callback_id = view.get("callback_id")
    if isinstance(callback_id, str) and len(callback_id) > ID_LENGTH:
        problems.append(_too_long(ID_LENGTH, "/view/callback_id"))
    problems += [
        p.replace("json-pointer:/blocks", "json-pointer:/view/blocks")
        for p in block_problems(view.get("blocks", []), limit=MAX_VIEW_BLOCKS)
    ]
    if problems:
        raise SlackMethodError("invalid_arguments", messages=problems)


def with_block_ids(blocks: list[Any]) -> list[Any]:
    """Blocks with Slack-assigned block_ids where the sender gave none, as Slack stores them."""
    result: list[Any] = []
    for block in blocks:
        if isinstance(block, dict) and not block.get("block_id"):
            block = {**block, "block_id": secrets.token_urlsafe(4)}
        result.append(block)
    return result
