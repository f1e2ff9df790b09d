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
