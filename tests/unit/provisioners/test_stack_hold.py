"""One operation per stack in a process: drift checks never wait, user operations wait them out."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from provisioners import StackBusy
from provisioners.runner import _hold


def test_an_operation_that_may_wait_goes_ahead_once_the_stack_is_free(tmp_path: Path) -> None:
    held, release = threading.Event(), threading.Event()

    def drift_check() -> None:
        with _hold(tmp_path, "service.demo.dev"):
            held.set()
            release.wait(5)

    checker = threading.Thread(target=drift_check)
    checker.start()
    held.wait(5)
    threading.Timer(0.2, release.set).start()
    started = time.monotonic()

    with _hold(tmp_path, "service.demo.dev", wait=5):
        waited = time.monotonic() - started
    checker.join()

    assert 0.1 < waited < 5


def test_an_operation_that_may_not_wait_is_told_the_stack_is_busy(tmp_path: Path) -> None:
    with _hold(tmp_path, "service.demo.dev"), pytest.raises(StackBusy):
        with _hold(tmp_path, "service.demo.dev"):
            pass


def test_other_stacks_are_not_held_up(tmp_path: Path) -> None:
    with _hold(tmp_path, "service.a.dev"), _hold(tmp_path, "service.b.dev"):
        pass
