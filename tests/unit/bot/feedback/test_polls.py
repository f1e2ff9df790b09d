"""Who is asked what: the pure poll plan (CSAT after a success, rolling NPS, the fatigue cap)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Feedback
from bot.feedback import PlannedPoll, PollPolicy, Succeeded, plan_polls

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
POLICY = PollPolicy.from_config(Feedback(nps_every_days=90, fatigue_days=14, csat_delay_hours=24))
DAY = timedelta(days=1)


def succeeded(request_id: int, user: str, ago: timedelta, path: str = "service") -> Succeeded:
    return Succeeded(request_id, user, path, f"{path} name=r{request_id}", NOW - ago)


def plan(**given: object) -> list[PlannedPoll]:
    inputs: dict[str, object] = {"succeeded": [], "active_users": [], "last_poll_at": {}, "last_nps_at": {}}
    inputs.update(given)
    return plan_polls(NOW, POLICY, **inputs)  # type: ignore[arg-type]


def test_a_request_that_succeeded_a_day_ago_gets_a_csat_about_it() -> None:
    polls = plan(succeeded=[succeeded(7, "U1", DAY + timedelta(minutes=1), "postgres-database")])

    assert polls == [PlannedPoll("csat", "U1", 7, "postgres-database", "postgres-database name=r7")]


def test_no_csat_before_the_delay_has_passed() -> None:
    assert plan(succeeded=[succeeded(7, "U1", DAY - timedelta(minutes=1))]) == []


def test_no_csat_about_requests_older_than_a_week_after_the_delay() -> None:
    assert plan(succeeded=[succeeded(7, "U1", DAY + timedelta(days=7, minutes=1))]) == []


def test_two_due_requests_of_one_person_give_one_poll_about_the_newest() -> None:
    polls = plan(succeeded=[succeeded(3, "U1", 3 * DAY), succeeded(5, "U1", 2 * DAY)])
    assert [(p.kind, p.request_id) for p in polls] == [("csat", 5)]


def test_fatigue_cap_holds_back_any_poll_within_fourteen_days_of_the_last() -> None:
    polls = plan(
        succeeded=[succeeded(5, "U1", 2 * DAY)],
        active_users=["U1", "U2"],
        last_poll_at={"U1": NOW - 13 * DAY, "U2": NOW - 10 * DAY},
    )
    assert polls == []


def test_fatigue_cap_is_lifted_after_fourteen_days() -> None:
    polls = plan(succeeded=[succeeded(5, "U1", 2 * DAY)], last_poll_at={"U1": NOW - 14 * DAY})
    assert [p.user for p in polls] == ["U1"]


def test_active_users_without_a_recent_nps_get_the_nps_question() -> None:
    polls = plan(active_users=["U2", "U1"], last_nps_at={"U1": NOW - 89 * DAY, "U3": NOW - 100 * DAY})

    assert polls == [PlannedPoll("nps", "U2")]


def test_nps_is_asked_again_once_the_period_has_passed() -> None:
    polls = plan(active_users=["U1"], last_nps_at={"U1": NOW - 90 * DAY}, last_poll_at={"U1": NOW - 90 * DAY})
    assert polls == [PlannedPoll("nps", "U1")]


def test_csat_goes_first_and_a_person_gets_one_poll_per_run() -> None:
    polls = plan(succeeded=[succeeded(5, "U1", 2 * DAY)], active_users=["U1", "U2"])

    assert [(p.kind, p.user) for p in polls] == [("csat", "U1"), ("nps", "U2")]


def test_policy_reads_the_config() -> None:
    policy = PollPolicy.from_config(Feedback(nps_every_days=30, fatigue_days=7, csat_delay_hours=6))
    assert (policy.nps_every, policy.fatigue, policy.csat_delay) == (30 * DAY, 7 * DAY, timedelta(hours=6))


def test_no_nps_while_a_request_of_that_person_still_awaits_its_csat() -> None:
    polls = plan(active_users=["U1", "U2"], awaiting_csat=["U1"])
    assert polls == [PlannedPoll("nps", "U2")]
