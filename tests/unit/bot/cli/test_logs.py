from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.cli.logs import CHATTY_LIBRARIES, quiet_chatty_libraries


@pytest.fixture
def restored_levels() -> Iterator[None]:
    before = {name: logging.getLogger(name).level for name in CHATTY_LIBRARIES}
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("restored_levels")
def test_scheduler_ticks_and_engine_chatter_stay_out_of_an_info_log_but_their_warnings_do_not() -> None:
    quiet_chatty_libraries()
    for name in ("apscheduler.executors.default", "apscheduler.scheduler", "pulumi.automation"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger(name).isEnabledFor(logging.WARNING), name
