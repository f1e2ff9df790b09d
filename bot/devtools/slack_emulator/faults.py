"""Injected failures: Slack misbehaving on purpose, one request at a time.

A fault is armed for a method name (`chat.postMessage`, or the pseudo-methods `upload` and
`response_url`) and fires on the next matching requests until its count runs out, so a test
can say "the first post is rate limited, the retry goes through".
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["rate_limited", "server_error", "slow", "slack_error"]
FAULT_KINDS: tuple[str, ...] = ("rate_limited", "server_error", "slow", "slack_error")


@dataclass
class Fault:
    method: str
    kind: FaultKind
    remaining: int
    retry_after: int = 1
    delay: float = 0.0
    error: str = "internal_error"


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.0,
        error: str = "internal_error",
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method, kind, times, retry_after=retry_after, delay=delay, error=error)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """The fault that fires for this request, if any; each firing uses up one of its count."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, "*"):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
