"""A graceful stop (what `platformbot serve` does on SIGTERM: bot.shutdown.shut_down) with a
request still waiting for its plan: the requester is told in the request's thread that it is saved
and will continue, and the next process does continue it. A request that is already decided is
not told anything."""

from __future__ import annotations

import threading

from bot.app import create_app
from bot.shutdown import shut_down
from bot.workflow import RequestState
from tests.support.scenario import Scenario, scenario_settings, serve_bot

WILL_CONTINUE = "is saved and will continue by itself"


def _fill_the_worker_pool(scenario: Scenario, release: threading.Event) -> None:
    """Real work on the bot's own pool that holds every worker thread until `release`, so the next
    plan waits in the queue, as it does when the bot is busy with other previews and applies."""
    while True:
        started = threading.Event()

        def hold(started: threading.Event = started) -> None:
            started.set()
            release.wait(60)

        scenario.bot.worker.submit(hold)
        if not started.wait(1.0):
            return  # this one is queued: every thread is held


def _wait_until_the_pool_refuses_work(scenario: Scenario) -> None:
    scenario.wait_for(lambda: scenario.bot.worker.submit(lambda: None).cancelled() or None, timeout=30)


def test_a_requester_whose_request_waits_is_told_it_continues_after_the_restart_and_it_does(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request service name=rogue team=unknown-team language=go owners=U0REQ")
    denied = scenario.settled_request(1, RequestState.DENIED)
    release = threading.Event()
    _fill_the_worker_pool(scenario, release)
    scenario.driver.slash_command("request service name=patient team=payments language=go owners=U0REQ")
    waiting_id = scenario.latest_request_id(2)
    scenario.wait_for(lambda: scenario.thread_of(waiting_id) or None)
    assert scenario.bot.workflow.get(waiting_id).state is RequestState.EVALUATED

    results: list[bool] = []
    stopping = threading.Thread(target=lambda: results.append(shut_down(scenario.bot, [scenario.server])))
    stopping.start()
    try:
        _wait_until_the_pool_refuses_work(scenario)  # the queued plan has been let go of
    finally:
        release.set()
        stopping.join(90)

    assert results == [True]
    notice = scenario.wait_thread(waiting_id, WILL_CONTINUE)
    assert f"{waiting_id} {WILL_CONTINUE}" in notice
    assert WILL_CONTINUE not in scenario.thread_text(denied.id)
    assert scenario.bot.workflow.get(waiting_id).state is RequestState.EVALUATED

    # The next process: start-up recovery plans what waited, and it runs to the end.
    config = scenario.bot.config
    scenario.bot = create_app(
        scenario_settings(scenario.slack, scenario.data_dir), config, clock=scenario.clock
    )
    scenario.bot.start()
    scenario.server, scenario.driver, scenario.socket = serve_bot(scenario.slack, scenario.bot, "http")
    done = scenario.wait_state(waiting_id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    notices = [m for m in scenario.thread_of(waiting_id) if WILL_CONTINUE in m.all_text]
    assert len(notices) == 1
