"""`code_block`: the one way engine and user text goes into a ``` block."""

from __future__ import annotations

from typing import Any

from bot.slack.present import split_diff
from bot.slack.render import (
    GRAVE_LOOKALIKE,
    ZERO_WIDTH_SPACE,
    as_typed,
    break_fences,
    code,
    code_block,
    render_blocks,
)

# A service's generated README as the plan shows it: the diff carries the file's own ```sh fence.
README_DIFF = (
    "+ platformbot:RepoFile readme (create)\n"
    "    + path: README.md\n"
    "    + content: # billing-api\n"
    "      ```sh\n"
    "      make run\n"
    "      ```\n"
    "      - owned by payments\n"
    "+ platformbot:RepoFile ci (create)"
)


def _code_sections(blocks: list[dict[str, Any]]) -> list[str]:
    texts = [b["text"]["text"] for b in blocks if b.get("type") == "section"]
    return [t for t in texts if t.startswith("```")]


def test_a_readmes_sh_fence_inside_a_plan_diff_cannot_end_the_code_block() -> None:
    chunks, _ = split_diff(README_DIFF)
    plan = {"summary": "2 to create", "highlights": [], "diff_chunks": chunks, "as_file": False}
    blocks = render_blocks("plan", plan=plan | {"diff_lines": 8, "short_hash": "abcdef12"})

    [section] = _code_sections(blocks)
    assert section.count("```") == 2 and section.startswith("```") and section.endswith("```")
    # Everything after the README's fence, bullets included, stays inside the one block.
    assert "- owned by payments\n+ platformbot:RepoFile ci (create)```" in section
    assert section.replace(ZERO_WIDTH_SPACE, "") == f"```{README_DIFF}```"


def test_drift_diffs_go_through_the_same_code_block() -> None:
    finding = {
        "id": 4,
        "stack": "service.billing-api.dev",
        "summary": "Drift in 1 of 2 resource(s).",
        "diff_chunks": ["~ README.md\n    ~ content: ```sh => ```bash"],
        "as_file": False,
        "detected_label": "2026-11-23 09:00 UTC",
    }
    request = {"id": "PB-1", "requester_mention": "<@U0REQ>"}
    blocks = render_blocks(
        "drift", finding=finding, request=request, note=None, where=None, buttons=False, status=None
    )

    [section] = _code_sections(blocks)
    assert section.count("```") == 2


def test_break_fences_leaves_no_run_of_three_backticks() -> None:
    assert break_fences("a ``` b ````` c `` d") == (
        f"a ``{ZERO_WIDTH_SPACE}` b ``{ZERO_WIDTH_SPACE}``{ZERO_WIDTH_SPACE}` c `` d"
    )


def test_code_block_keeps_text_off_its_own_fences_and_escapes_mrkdwn() -> None:
    assert code_block("`x`") == f"```{ZERO_WIDTH_SPACE}`x`{ZERO_WIDTH_SPACE}```"
    assert code_block("<@U0BOSS> & co") == "```&lt;@U0BOSS&gt; &amp; co```"
    assert code_block("plain") == "```plain```"


def test_inline_code_cannot_be_ended_by_a_backtick_and_empty_text_is_no_span() -> None:
    assert code("PB-`9`") == f"`PB-{GRAVE_LOOKALIKE}9{GRAVE_LOOKALIKE}`"
    assert code("a <b>\nc") == "`a &lt;b&gt; c`"
    assert code("") == "" and code(None) == ""


def test_command_text_reads_as_typed_with_slacks_markup_turned_back_into_names() -> None:
    sent = "<@U0REQ|riley> <@U0DEV> <#C0OPS|ops> <!here> <!subteam^S0SEC|@security> <https://x.io|docs>"
    sent += " a &lt;b&gt;"

    assert as_typed(sent) == "@riley @U0DEV #ops @here @security docs a <b>"


def test_progress_lines_go_through_code_block_so_a_fence_in_a_name_cannot_end_it() -> None:
    lines = ["create RepoFile ```sh done", "create Repository demo`` …"]
    blocks = render_blocks("progress", icon=":hourglass:", title="Applying", lines=lines, footer="PB-1")

    [section] = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    body = section.split("\n", 1)[1]
    assert body == code_block("\n".join(lines))
    assert body.count("```") == 2


def test_secret_values_go_through_code_block_and_keep_their_characters() -> None:
    request = {"id": "PB-2", "requester_mention": "<@U0REQ>", "intent_text": "x", "thread_link": ""}
    secrets = [("password", "p`a``s```s<&>")]
    blocks = render_blocks("secrets_dm", request=request, secrets=secrets, recipient="<@U0REQ>")

    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    [value] = [t for t in texts if t.startswith("*password*")]
    assert value == "*password*\n" + code_block("p`a``s```s<&>")
    # Slack decodes the entities; the only change is the zero-width space that breaks the fence.
    shown = value.removeprefix("*password*\n```").removesuffix("```").replace(ZERO_WIDTH_SPACE, "")
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == "p`a``s```s<&>"
