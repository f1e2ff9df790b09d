"""What a user reads when an error reaches Slack."""

from __future__ import annotations

from bot.errors import RequestNotFound


def test_an_unknown_request_is_named_in_the_answer() -> None:
    assert str(RequestNotFound("PB-99")) == "There is no request PB-99."


def test_an_empty_request_id_says_that_no_request_was_named_not_a_dangling_sentence() -> None:
    assert str(RequestNotFound("  ")) == "That names no request: give its id, e.g. PB-12."
