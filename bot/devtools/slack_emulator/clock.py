"""The emulator's notion of time, handed in so tests can expire triggers without sleeping.

The port is a plain callable returning seconds since the epoch (Slack's unit), so the emulator
imports nothing from the bot; a test hands in the bound `timestamp` of the bot's one
`bot.clock.ManualClock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()
