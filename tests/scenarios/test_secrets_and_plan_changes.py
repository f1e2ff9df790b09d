"""Secrets reach the requester's DM and nowhere else; approvals bind to the exact plan they saw."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from bot.devtools.slack_emulator.errors import DriverError
from bot.workflow import RequestState
from tests.support.scenario import Scenario, both_transports

DSN = re.compile(r"postgresql://[^\s`\"']+")


def _database_text(scenario: Scenario) -> str:
    engine = scenario.bot.store.engine
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(str(row) for table in meta.sorted_tables for row in conn.execute(select(table)))


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


@both_transports
def test_credentials_appear_only_in_the_requesters_dm(
    scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    scenario.driver.slash_command(
        f"request postgres-database {scenario.named('vault')} env=prod", user="U0REQ"
    )
    request = scenario.settled_request()
    scenario.driver.click(scenario.approval_message(request.id), "approve", user="U0SEC1")
    scenario.wait_state(request.id, RequestState.SUCCEEDED)
    dm = scenario.wait_for(
        lambda: next((m for m in scenario.slack.dms("U0REQ") if DSN.search(m.all_text)), None)
    )
    dsn = DSN.search(dm.all_text)
    assert dsn is not None
    password = dsn.group(0).split(":")[2].split("@")[0]
    assert len(password) >= 16

    leaks = [
        r.method
        for r in scenario.slack.requests
        if password in r.dump()
        and not (r.method == "chat.postMessage" and r.json and r.json.get("channel") == dm.channel)
    ]
    assert leaks == []
    assert password not in caplog.text
    assert password not in _database_text(scenario)
    assert _files_containing(scenario.data_dir, password.encode()) == []
    scenario.wait_thread(request.id, "by direct message only")


def test_a_second_request_on_the_same_resource_supersedes_the_first_whose_approve_then_changes_nothing(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request postgres-database racey env=prod size=small", user="U0REQ")
    first = scenario.settled_request()
    first_approval = scenario.approval_message(first.id)
    scenario.driver.slash_command("request postgres-database racey env=prod size=medium", user="U0REQ")
    second = scenario.settled_request(2)
    cancelled = scenario.wait_state(first.id, RequestState.CANCELLED)
    assert cancelled.superseded_by == second.id

    scenario.driver.click(scenario.approval_message(second.id), "approve", user="U0SEC2")
    scenario.wait_state(second.id, RequestState.SUCCEEDED)
    # The first request's ask has no live Approve button any more, and nothing changed.
    try:
        scenario.driver.click(first_approval, "approve", user="U0SEC1")
    except DriverError:
        pass
    assert scenario.bot.workflow.get(first.id).state is RequestState.CANCELLED
    assert scenario.bot.workflow.status(first.id).approvals == ()
