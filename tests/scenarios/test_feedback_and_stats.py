"""Feedback polls, `/platform stats`, the digest and GET /metrics, over real HTTP against the emulator."""

from __future__ import annotations

import copy
import urllib.request
from datetime import timedelta

from sqlmodel import select

from bot.devtools.slack_emulator import Message
from bot.metrics.wiring import Outcomes
from bot.store import FeedbackAnswerRow, FeedbackPollRow
from bot.workflow import Request, RequestState
from tests.support.scenario import Scenario

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def outcomes(scenario: Scenario) -> Outcomes:
    assert scenario.bot.outcomes is not None
    return scenario.bot.outcomes


def provisioned_service(scenario: Scenario, name: str = "demo") -> Request:
    scenario.driver.slash_command(
        f"request service name={name} team=payments language=python owners=U0REQ", user="U0REQ"
    )
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    return request


def poll_message(scenario: Scenario, user: str) -> Message:
    return scenario.wait_for(
        lambda: next((m for m in scenario.slack.dms(user) if m.find_element("feedback_score_1")), None)
    )


def stored_answers(scenario: Scenario) -> list[FeedbackAnswerRow]:
    with scenario.bot.store.read() as session:
        return list(session.exec(select(FeedbackAnswerRow)).all())


def scrape(scenario: Scenario) -> str:
    with urllib.request.urlopen(f"{scenario.server.url}/metrics", timeout=10) as response:
        assert response.status == 200
        return str(response.read().decode())


def test_the_day_after_a_success_the_requester_rates_it_with_one_click(scenario: Scenario) -> None:
    request = provisioned_service(scenario)
    assert outcomes(scenario).feedback_job(scenario.clock.now()) == []  # too early: the delay is 24 h

    scenario.clock.advance(timedelta(hours=25))
    (poll_id,) = outcomes(scenario).feedback_job(scenario.clock.now())

    poll = poll_message(scenario, "U0REQ")
    assert request.id in poll.all_text and "1 = poor, 5 = great" in poll.all_text
    stale_copy = copy.deepcopy(poll)
    scenario.driver.click(poll, "feedback_score_4", user="U0REQ")
    thanks = scenario.wait_for(lambda: poll if "Thanks" in poll.all_text else None)
    assert "*4*" in thanks.all_text and not thanks.find_element("feedback_score_1")

    scenario.driver.click(stale_copy, "feedback_score_1", user="U0REQ")  # a second click on an old copy
    scenario.wait_for(lambda: len(scenario.slack.requests_for("chat.update")) >= 2 or None)
    (answer,) = stored_answers(scenario)
    assert (answer.kind, answer.score, answer.poll_id) == ("csat", 4, poll_id)
    assert (answer.request_id, answer.path) == (request.number, "service")
    assert "*4*" in poll.all_text


def test_the_fatigue_cap_keeps_a_just_polled_requester_from_a_second_poll(scenario: Scenario) -> None:
    provisioned_service(scenario)
    scenario.clock.advance(timedelta(hours=25))
    assert len(outcomes(scenario).feedback_job(scenario.clock.now())) == 1
    provisioned_service(scenario, "second")  # succeeds "now": due a CSAT tomorrow

    scenario.clock.advance(timedelta(days=1, hours=1))

    assert outcomes(scenario).feedback_job(scenario.clock.now()) == []
    with scenario.bot.store.read() as session:
        assert [p.kind for p in session.exec(select(FeedbackPollRow)).all()] == ["csat"]
    scenario.clock.advance(timedelta(days=14))
    assert len(outcomes(scenario).feedback_job(scenario.clock.now())) == 1  # the cap is over: the NPS
    nps = scenario.wait_for(
        lambda: next((m for m in scenario.slack.dms("U0REQ") if m.find_element("feedback_score_0")), None)
    )
    assert "recommend" in nps.all_text and nps.find_element("feedback_score_10")


def test_platform_feedback_opens_a_form_that_takes_a_score_and_a_comment(scenario: Scenario) -> None:
    response = scenario.driver.slash_command("feedback", user="U0DEV2")

    assert response.status == 200
    (view,) = scenario.wait_for(lambda: scenario.slack.views_for("U0DEV2") or None)
    empty = scenario.driver.submit_view(view, {})
    assert empty.status == 200 and view.errors == {"comment": "Give a score or write a comment."}

    scenario.driver.submit_view(
        view, {"score": "9", "path": "service", "comment": "The service path is great"}
    )

    (answer,) = stored_answers(scenario)
    assert (answer.user_id, answer.kind, answer.score, answer.path) == ("U0DEV2", "nps", 9, "service")
    assert answer.comment == "The service path is great"
    (thanks,) = scenario.slack.views_for("U0DEV2")
    assert "Thanks" in " ".join(str(b) for b in thanks.blocks)


def test_stats_posts_the_figures_and_the_chart_where_they_were_asked(scenario: Scenario) -> None:
    provisioned_service(scenario)
    scenario.clock.advance(timedelta(minutes=1))  # the window ends before "now", not at it

    response = scenario.driver.slash_command("stats 7d", user="U0DEV2", channel="C0REQUESTS")

    assert response.status == 200
    figures = scenario.wait_for(
        lambda: scenario.slack.find_message("Platform outcomes", channel="C0REQUESTS")
    )
    assert "last 7 days" in figures.all_text and "Lead time" in figures.all_text
    assert "1 request" in figures.all_text
    # The chart among the files (a long plan may have been uploaded as a file too).
    chart = scenario.wait_for(
        lambda: next((f for f in scenario.slack.files if (f.content or b"").startswith(PNG_MAGIC)), None)
    )
    assert chart.shares == [("C0REQUESTS", scenario.slack.thread("C0REQUESTS", figures.ts)[1].ts)]


def test_the_weekly_digest_goes_to_the_platform_channel(scenario: Scenario) -> None:
    ts = outcomes(scenario).digest_job(scenario.clock.now())

    digest = scenario.wait_for(lambda: scenario.slack.find_message("Platform outcomes", channel="C0PLATFORM"))
    assert digest.ts == ts and "last 7 days" in digest.all_text


def test_metrics_endpoint_counts_requests_outcomes_and_lead_time(scenario: Scenario) -> None:
    before = scrape(scenario)
    assert "platformbot_requests_opened_total{" not in before  # declared, no sample yet
    assert "# TYPE platformbot_requests_opened_total counter" in before

    provisioned_service(scenario)
    scenario.wait_thread(scenario.latest_request_id(), "succeeded")
    after = scrape(scenario)

    assert 'platformbot_requests_opened_total{action="apply",path="service"} 1.0' in after
    assert (
        'platformbot_requests_finished_total{action="apply",outcome="succeeded",path="service"} 1.0' in after
    )
    assert 'platformbot_verdicts_total{stage="plan",verdict="allow"} 1.0' in after
    assert 'platformbot_request_lead_time_seconds_count{action="apply",path="service"} 1.0' in after
    assert 'platformbot_runs_total{action="apply",outcome="succeeded"} 1.0' in after
    assert "platformbot_drift_findings_total 0.0" in after


def test_the_scheduler_sends_polls_at_the_feedback_slot_and_the_digest_on_monday(scenario: Scenario) -> None:
    schedules = scenario.bot.schedules
    assert schedules is not None
    request = provisioned_service(scenario)  # Monday 09:00 UTC

    scenario.clock.advance(timedelta(hours=25))  # Tuesday 10:00 UTC: the feedback slot (0 10 * * *)
    runs = {run.job_id: run.outcome for run in schedules.run_due(scenario.clock.now())}

    assert runs.get("feedback") == "succeeded"
    assert request.id in poll_message(scenario, "U0REQ").all_text
    scenario.clock.advance(timedelta(days=6, hours=-1))  # next Monday 09:00 UTC: the digest (0 9 * * 1)
    runs = {run.job_id: run.outcome for run in schedules.run_due(scenario.clock.now())}
    assert runs.get("digest") == "succeeded"
    digest = scenario.wait_for(lambda: scenario.slack.find_message("Platform outcomes", channel="C0PLATFORM"))
    assert "1 request" in digest.all_text
