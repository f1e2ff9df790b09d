from __future__ import annotations

from datetime import UTC, datetime

from bot.drift.checker import DriftChecker, DriftSweep
from bot.drift.findings import Finding
from bot.drift.ports import CheckFailure
from bot.drift.slack import drift_command, finding_view, summary_text
from bot.slack.render import render_blocks
from bot.slack.services import user_errors
from bot.workflow import ThreadPool
from intents import DriftCommand
from provisioners import ResourceChange

FILE = "pulumi-python:dynamic/platformbot:RepoFile"
SEEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def finding(content_lines: int) -> Finding:
    content = "".join(f"line {n}: {'x' * 60}\n" for n in range(content_lines))
    change = ResourceChange(
        urn=f"urn:pulumi:s::service::{FILE}::README.md",
        type=FILE,
        name="README.md",
        op="update",
        keys=("content",),
        before={"content": "hello\n"},
        after={"content": content},
    )
    return Finding(
        id=3,
        request_id="PB-2",
        stack_name="service.billing.dev",
        state="open",
        fingerprint="f" * 64,
        changes=(change,),
        summary="Drift in 1 of 6 resource(s): 1 changed outside platformbot.",
        detected_at=SEEN,
        last_seen_at=SEEN,
        snoozed_until=None,
        follow_up=None,
        follow_up_request_id=None,
        closed_at=None,
        channel="C0REQUESTS",
        message_ts="1.2",
    )


def test_a_short_drift_diff_is_shown_inline_in_whole() -> None:
    view, attachment = finding_view(finding(3))
    assert attachment is None and not view["as_file"]
    assert "line 2" in view["diff_chunks"][-1] and view["detected_label"].endswith("|2026-11-23 09:00 UTC>")


def test_a_long_drift_diff_shows_its_start_and_goes_up_whole_as_a_file() -> None:
    view, attachment = finding_view(finding(100))
    assert view["as_file"] and len(view["diff_chunks"]) == 1
    assert attachment is not None and "line 99" in attachment
    blocks = render_blocks(
        "drift", finding=view, request=_request(), note=None, buttons=True, status=None, where=None
    )
    assert sum(len(b.get("text", {}).get("text", "")) for b in blocks) < 12_000


def test_the_drift_command_summary_counts_and_names_failures() -> None:
    sweep = DriftSweep(
        checked=("a", "b"),
        drifting=(finding(1),),
        posted=(finding(1),),
        failures=(CheckFailure("c", "PB-9", "cannot connect to PostgreSQL on db:5432"),),
        busy=("d",),
    )
    text = summary_text(sweep, "PB-2")
    assert text.startswith("Drift check of PB-2: 2 stacks checked, 1 drifting (1 posted in its thread).")
    assert "`c` could not be checked: cannot connect to PostgreSQL on db:5432" in text
    assert "Busy with an apply, checked next time: d." in text


def _request() -> dict[str, object]:
    return {"id": "PB-2", "requester_mention": "<@U0REQ>"}


def test_drift_of_an_unknown_request_says_so_at_once_without_checking_first(checker: DriftChecker) -> None:
    answers: list[str] = []
    pool = ThreadPool(max_workers=1)
    handle = drift_command(checker, pool)
    try:
        with user_errors(answers.append):
            handle(
                DriftCommand(request_id="PB-999"),
                "U0REQ",
                lambda **answer: answers.append(answer["text"]),
                {},
            )
        pool.drain(10)
    finally:
        pool.shutdown()
    assert answers == ["There is no request PB-999."]
