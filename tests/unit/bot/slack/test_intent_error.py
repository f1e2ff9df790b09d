"""The answer to a command that was not accepted: each problem says what is wrong once, then how
to fix it once; the footer points only where no problem already does."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.render import GRAVE_LOOKALIKE, render_blocks
from intents import IntentError, load_catalog, parse_command


def _answer(text: str) -> list[str]:
    """The mrkdwn texts of the reply, rendered from the real parse error as the command handler does."""
    with pytest.raises(IntentError) as failure:
        parse_command(text, load_catalog())
    error = failure.value
    blocks = render_blocks(
        "intent_error",
        text=text,
        path=error.path,
        problems=[p.model_dump() for p in error.problems],
        form_value="",
    )
    return [_mrkdwn(block) for block in blocks]


def _mrkdwn(block: dict[str, Any]) -> str:
    if block["type"] == "context":
        return " ".join(e["text"] for e in block["elements"])
    return str(block["text"]["text"])


def test_a_bad_value_names_its_key_once_and_says_what_is_expected_once() -> None:
    _, problem, footer = _answer("request postgres-database name=x env=dev")

    assert problem.startswith("• `name` cannot be `x`: expected lower-case letters")
    assert problem.count("`name`") == 1 and problem.lower().count("expected") == 1
    assert "`name`: `name`" not in problem
    assert footer == "Parameters of this golden path: `/platform catalog postgres-database`"


def test_a_suggestion_is_offered_once() -> None:
    _, name, size, _ = _answer("request postgres name=Billing_DB env=prod size=huge")

    assert name.count("Did you mean") == 1 and name.endswith("Did you mean `billing-db`?")
    assert name.lower().count("expected") == 1
    assert size == "• `size` cannot be `huge`: expected one of: small, medium, large."


def test_an_unknown_path_suggests_the_right_one_once_and_points_at_the_catalog_once() -> None:
    texts = _answer("request postgres-databse name=x")
    answer = "\n".join(texts)

    assert answer.count("Did you mean") == 1 and answer.count("`postgres-database`") == 1
    assert answer.count("/platform catalog") == 1
    assert texts[-1] == "all commands: `/platform help`"


def test_a_message_that_points_at_help_and_catalog_needs_no_footer() -> None:
    texts = _answer("frobnicate")

    assert len(texts) == 2 and "/platform help" in texts[1] and "/platform catalog" in texts[1]


def test_without_a_path_or_a_pointer_the_footer_names_both() -> None:
    texts = _answer("status PB-x")

    assert texts[1] == "• `status` cannot take `PB-x`: expected a request id such as PB-17."
    assert texts[-1] == "All golden paths: `/platform catalog` · all commands: `/platform help`"


def test_a_backtick_in_the_command_cannot_end_the_echo_of_it() -> None:
    header, *_ = _answer("status PB-`9`")

    assert header.startswith(
        f":warning: *`/platform status PB-{GRAVE_LOOKALIKE}9{GRAVE_LOOKALIKE}` was not accepted*"
    )


def test_the_echo_shows_picked_people_and_typed_brackets_as_typed_not_as_slacks_markup() -> None:
    header, *_ = _answer(
        "request service name=api team=pay language=rust owners=<@U0REQ|riley> description=a&lt;b"
    )

    echo = "`/platform request service name=api team=pay language=rust owners=@riley description=a&lt;b`"
    assert header.startswith(f":warning: *{echo} was not accepted*")
    assert "U0REQ" not in header and "&amp;" not in header
