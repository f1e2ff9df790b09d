"""Diff chunking: every chunk's code block fits a section as Slack counts it, escapes included."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient

from bot.devtools.slack_emulator import SlackEmulator
from bot.slack.present import DIFF_CHUNK_CHARS, split_diff, verdict_view
from bot.slack.render import ZERO_WIDTH_SPACE, render_blocks
from rulebook import ApprovalNeed, Decision, Effect, RuleMatch, Stage, Verdict

# A service's index.js in a plan: every `>` and `&` goes out as `&gt;` / `&amp;`.
JS_DIFF = "".join(
    f'    + content: app.get("/{i}", (req, res) => res.send(a && b ? "<ok>" : "&"));\n' for i in range(40)
)


def _plan_blocks(diff: str) -> list[dict[str, Any]]:
    chunks, attachment = split_diff(diff)
    plan = {
        "summary": "1 to create",
        "highlights": [],
        "diff_chunks": chunks,
        "as_file": attachment is not None,
        "diff_lines": diff.count("\n") + 1,
        "short_hash": "abcdef12",
    }
    return render_blocks("plan", plan=plan)


def _code_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    return [t for t in texts if t.startswith("```")]


def test_a_diff_full_of_characters_slack_escapes_posts_in_sections_that_fit(
    client: WebClient, slack: SlackEmulator
) -> None:
    blocks = _plan_blocks(JS_DIFF)

    client.chat_postMessage(channel="C0REQUESTS", blocks=blocks, text="Plan")  # refused when too long

    texts = _code_texts(blocks)
    assert len(texts) == 2 and all(len(json.dumps(t)) - 2 <= DIFF_CHUNK_CHARS for t in texts)
    shown = "\n".join(t.removeprefix("```").removesuffix("```") for t in texts)
    assert shown.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&") == JS_DIFF.rstrip("\n")


def test_a_diff_in_non_latin_script_stays_within_the_message_size_slack_takes(
    client: WebClient, slack: SlackEmulator
) -> None:
    # slack_sdk sends JSON with \\uXXXX escapes, six characters for each of these.
    readme = "".join(f"    + content: {i} {'請求サービスの説明です' * 4}\n" for i in range(200))

    blocks = _plan_blocks(readme)

    client.chat_postMessage(channel="C0REQUESTS", blocks=blocks, text="Plan")
    [context] = [b for b in blocks if b["type"] == "context"]
    assert "attached to this thread as a file" in context["elements"][0]["text"]


def test_a_long_line_is_cut_between_chunks_and_nothing_is_lost() -> None:
    line = "+ " + "x" * 4_000

    chunks, attachment = split_diff(line)

    assert attachment is None and len(chunks) == 2 and "".join(chunks) == line


def test_backticks_at_the_edge_of_a_chunk_cannot_join_its_fences() -> None:
    diff = "a" * (DIFF_CHUNK_CHARS - 20) + "```sh\n```"

    texts = _code_texts(_plan_blocks(diff))

    assert len(texts) == 2 and all(text.count("```") == 2 for text in texts)
    bodies = [t.removeprefix("```").removesuffix("```").replace(ZERO_WIDTH_SPACE, "") for t in texts]
    assert "\n".join(bodies) == diff


def test_a_denied_verdict_shows_what_refused_it_and_neither_approvals_nor_self_service() -> None:
    def match(rule_id: str, effect: Effect) -> RuleMatch:
        return RuleMatch(rule_id=rule_id, stage=Stage.INTENT, effect=effect, message=rule_id, remediation="")

    decision = Decision(
        verdict=Verdict.DENY,
        stage=Stage.INTENT,
        matches=(
            match("unknown-team", Effect.DENY),
            match("other-team-needs-it", Effect.REQUIRE_APPROVAL),
            match("big-warns", Effect.WARN),
            match("dev-is-self-service", Effect.ALLOW),
        ),
        approvals=(ApprovalNeed(group="owning-team", count=1),),
        rulebook_version="abc",
    )
    view = verdict_view(decision)
    assert view["approvals"] == ""
    assert [m["rule_id"] for m in view["matches"]] == ["unknown-team", "big-warns"]
