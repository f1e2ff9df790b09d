"""What a user reads when an error reaches Slack."""

from __future__ import annotations

from bot.errors import InvalidTransition, RequestNotFound


def test_an_unknown_request_is_named_in_the_answer() -> None:
    assert str(RequestNotFound("PB-99")) == "There is no request PB-99."


def test_an_empty_request_id_says_that_no_request_was_named_not_a_dangling_sentence() -> None:
    assert str(RequestNotFound("  ")) == "That names no request: give its id, e.g. PB-12."


def test_a_refused_transition_reads_as_people_write_the_state() -> None:
    assert InvalidTransition("PB-27", "succeeded", "cancelled").message == (
        "PB-27 has succeeded, so it cannot be cancelled now."
    )
    assert InvalidTransition("PB-4", "rejected", "destroyed").message == (
        "PB-4 was rejected, so it cannot be destroyed now."
    )
    assert InvalidTransition("PB-5", "applying", "cancelled").message == (
        "PB-5 is applying, so it cannot be cancelled now."
    )
