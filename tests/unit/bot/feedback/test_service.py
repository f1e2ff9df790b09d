"""Polls and answers in a real store (SQLite and PostgreSQL): due polls, first answer wins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.config import Feedback
from bot.feedback import FeedbackService, InvalidAnswer, NotYourPoll, PollNotFound, PollPolicy
from bot.store import FeedbackAnswerRow, FeedbackPollRow, RequestRow
from tests.support.databases import BACKENDS, store_on
from tests.support.metrics_history import T0, request

NOW = T0 + timedelta(days=30)
DAY = timedelta(days=1)


@pytest.fixture(params=BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[FeedbackService]:
    with store_on(request.param, request, tmp_path_factory) as store:
        yield FeedbackService(store, PollPolicy.from_config(Feedback()))


def add(service: FeedbackService, *rows: RequestRow) -> None:
    with service.store.write() as session:
        for row in rows:
            session.add(row)


def succeeded_yesterday(number: int = 1, requester: str = "U1") -> RequestRow:
    # Finished 25 hours before NOW: past the 24-hour CSAT delay.
    return request(number, "payments", "postgres-database", NOW - T0 - 27 * timedelta(hours=1), "succeeded",
                   2 * timedelta(hours=1), requester=requester)  # fmt: skip


def answers(service: FeedbackService) -> list[FeedbackAnswerRow]:
    with service.store.read() as session:
        return list(session.exec(select(FeedbackAnswerRow)).all())


def send(service: FeedbackService, now: Any = NOW) -> list[int]:
    """What the job does, minus Slack: reserve every due poll and mark it delivered."""
    ids = []
    for planned in service.due(now):
        poll_id = service.reserve(planned, now)
        service.delivered(poll_id, "D1", f"{poll_id}.000")
        ids.append(poll_id)
    return ids


def test_a_succeeded_request_is_due_one_csat_and_only_once(service: FeedbackService) -> None:
    add(service, succeeded_yesterday())

    (planned,) = service.due(NOW)
    assert (planned.kind, planned.user, planned.request_id, planned.path) == (
        "csat",
        "U1",
        1,
        "postgres-database",
    )
    send(service)
    # No second CSAT about PB-1; and U1, just polled, is not due the NPS either (fatigue cap).
    assert service.due(NOW + DAY) == []


def test_after_the_fatigue_period_an_active_user_gets_the_nps(service: FeedbackService) -> None:
    add(service, succeeded_yesterday())
    send(service)

    assert service.due(NOW + 13 * DAY) == []
    (planned,) = service.due(NOW + 14 * DAY)
    assert (planned.kind, planned.user) == ("nps", "U1")


def test_a_score_given_through_the_feedback_form_counts_as_this_periods_nps(service: FeedbackService) -> None:
    created = NOW - T0 - 40 * DAY
    add(service, request(1, "payments", "service", created, "failed", timedelta(hours=1), requester="U1"))
    assert [p.kind for p in service.due(NOW)] == ["nps"]

    service.comment("U1", NOW - 10 * DAY, score=8)

    assert service.due(NOW) == []
    assert (
        service.due(NOW + 80 * DAY) == []
    )  # the score is 90 days old, but U1 has not used the platform since


def test_the_first_answer_counts_and_a_second_click_changes_nothing(service: FeedbackService) -> None:
    add(service, succeeded_yesterday())
    (poll_id,) = send(service)

    first = service.answer(poll_id, "U1", 4, NOW + timedelta(hours=1))
    second = service.answer(poll_id, "U1", 1, NOW + timedelta(hours=2))

    assert (first.changed, first.score) == (True, 4)
    assert (second.changed, second.score) == (False, 4)
    (stored,) = answers(service)
    assert (stored.kind, stored.score, stored.request_id, stored.path) == ("csat", 4, 1, "postgres-database")
    assert service.poll(poll_id).answered_at == NOW + timedelta(hours=1)


def test_only_the_person_asked_can_answer_and_only_on_the_scale(service: FeedbackService) -> None:
    add(service, succeeded_yesterday())
    (poll_id,) = send(service)

    with pytest.raises(NotYourPoll):
        service.answer(poll_id, "U2", 5, NOW)
    with pytest.raises(InvalidAnswer):
        service.answer(poll_id, "U1", 6, NOW)
    with pytest.raises(PollNotFound):
        service.answer(poll_id + 100, "U1", 5, NOW)
    assert answers(service) == []


def test_a_poll_that_could_not_be_sent_is_forgotten_and_tried_again(service: FeedbackService) -> None:
    add(service, succeeded_yesterday())
    (planned,) = service.due(NOW)
    poll_id = service.reserve(planned, NOW)
    assert service.due(NOW) == []  # reserved: nobody else sends it meanwhile

    service.discard(poll_id)

    assert service.due(NOW) == [planned]
    with service.store.read() as session:
        assert session.exec(select(FeedbackPollRow)).all() == []


def test_feedback_needs_a_score_or_a_comment(service: FeedbackService) -> None:
    with pytest.raises(InvalidAnswer):
        service.comment("U1", NOW, comment="   ")
    with pytest.raises(InvalidAnswer):
        service.comment("U1", NOW, score=11)


def test_a_comment_after_a_poll_is_stored_with_the_polls_request_and_path(service: FeedbackService) -> None:
    add(service, succeeded_yesterday())
    (poll_id,) = send(service)
    service.answer(poll_id, "U1", 5, NOW)

    service.comment("U1", NOW, comment="  smooth  ", poll_id=poll_id)

    comment = next(a for a in answers(service) if a.kind == "comment")
    assert (comment.comment, comment.request_id, comment.path, comment.score) == (
        "smooth",
        1,
        "postgres-database",
        None,
    )
    with pytest.raises(NotYourPoll):
        service.comment("U2", NOW, comment="hijack", poll_id=poll_id)


def test_a_just_provisioned_requester_waits_for_the_csat_instead_of_getting_the_nps(
    service: FeedbackService,
) -> None:
    just_now = request(1, "payments", "service", NOW - T0 - timedelta(hours=2), "succeeded",
                       timedelta(hours=1), requester="U1")  # fmt: skip
    in_flight = request(2, "payments", "service", NOW - T0 - timedelta(hours=1), "applying", requester="U2")
    add(service, just_now, in_flight)

    assert service.due(NOW) == []
    assert [(p.kind, p.user) for p in service.due(NOW + DAY)] == [("csat", "U1")]
