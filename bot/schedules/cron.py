"""Standard 5-field cron expressions as APScheduler 3 triggers.

APScheduler 3 numbers the days of the week from Monday = 0, while crontab (and every reader of
our config) counts from Sunday = 0 (7 is Sunday too): `0 9 * * 1` would fire on Tuesdays. The
day-of-week field is therefore rewritten to day names before APScheduler sees it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.schedules.errors import InvalidSchedule

DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(job_id: str, expression: str, timezone: str) -> CronTrigger:
    fields = expression.split()
    if len(fields) != 5:
        raise InvalidSchedule(job_id, expression, f"{len(fields)} fields, expected 5")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=standard_day_of_week(weekday),
            timezone=ZoneInfo(timezone),
        )
    except (ValueError, KeyError) as exc:
        raise InvalidSchedule(job_id, expression, str(exc)) from exc


def longest_gap(expression: str, timezone: str, start: datetime, fires: int = 60) -> timedelta | None:
    """The longest wait between two runs of a cron over its next `fires` runs from `start` (None: the
    job is switched off): how late a job on it may notice something that became due."""
    if not expression.strip():
        return None
    trigger = cron_trigger("gap", expression, timezone)
    previous: datetime | None = None
    gap = timedelta(0)
    moment = start
    for _ in range(fires):
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        if previous is not None:
            gap = max(gap, fire - previous)
        previous, moment = fire, fire + timedelta(seconds=1)
    return gap or None


def standard_day_of_week(field: str) -> str:
    """A crontab day-of-week field (numbers from Sunday = 0 or 7, names, ranges, steps, lists) as a
    comma-separated list of day names, which APScheduler reads the same way crontab does."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in day of week `{part}`")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _day(low), _day(high)
            if last == 0 and high.strip() == "7":
                last = 7  # `5-7` means Friday to Sunday
        else:
            first = last = _day(span)
        if last < first:
            raise ValueError(f"day-of-week range `{span}` runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def _day(token: str) -> int:
    token = token.strip().lower()
    if token in DAY_NAMES:
        return DAY_NAMES.index(token)
    if not token.isdigit() or int(token) > 7:
        raise ValueError(f"`{token}` is not a day of the week")
    return int(token) % 7
