"""SafeNotifier: every Notifier method, each forwarding as it is and swallowing what it raises."""

from __future__ import annotations

import inspect
import logging

import pytest

from bot.workflow import Notifier, SafeNotifier

METHODS = sorted(
    name for name, _ in inspect.getmembers(Notifier, inspect.isfunction) if not name.startswith("_")
)


class Down:
    def __getattr__(self, name: str) -> object:
        def fail(*args: object) -> None:
            raise RuntimeError(f"slack is down ({name})")

        return fail


class Echo:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def __getattr__(self, name: str) -> object:
        def record(*args: object) -> str:
            self.calls.append((name, args))
            return "1736150400.000001"

        return record


def _arguments(name: str) -> tuple[object, ...]:
    parameters = list(inspect.signature(getattr(Notifier, name)).parameters)[1:]  # without self
    return tuple(f"<{parameter}>" for parameter in parameters)


def test_every_method_of_the_port_is_wrapped() -> None:
    assert len(METHODS) >= 17
    assert all(name in vars(SafeNotifier) for name in METHODS)


@pytest.mark.parametrize("name", METHODS)
def test_a_call_goes_through_unchanged(name: str) -> None:
    inner = Echo()
    answer = getattr(SafeNotifier(inner), name)(*_arguments(name))
    assert inner.calls == [(name, _arguments(name))]
    assert answer == ("1736150400.000001" if name == "request_opened" else None)


@pytest.mark.parametrize("name", METHODS)
def test_a_failing_call_is_logged_and_never_raised(name: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.workflow"):
        assert getattr(SafeNotifier(Down()), name)(*_arguments(name)) is None
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert str(record.exc_info[1]) == f"slack is down ({name})"
