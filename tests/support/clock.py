"""The one moment the tests' clocks start at: a Monday, 10:00 in Berlin (the rulebook's zone).

Inside business hours, so a production request needs security alone (after hours the default
rulebook also asks on-call).
"""

from __future__ import annotations

from datetime import UTC, datetime

MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
