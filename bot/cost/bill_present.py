"""An imported bill as lines of text: the one wording `/platform costs` and the CLI share."""

from __future__ import annotations

from bot.cost.bill import UNATTRIBUTED, Line, PeriodBill
from bot.cost.imports import ImportSummary
from bot.cost.present import money, percent, versus

# A bill's answer in Slack stays well inside one section (3,000 characters).
MAX_LINES_PER_LIST = 6


def headline(summary: ImportSummary) -> str:
    currency = summary.currency
    return (
        f"Bill import #{summary.import_id} ({summary.filename}, {summary.rows} rows, "
        f"imported {summary.imported_at:%Y-%m-%d}): {money(summary.total, currency)}, "
        f"{percent(summary.share)} attributed to a team"
    )


def period_lines(
    bill: PeriodBill, currency: str, *, team: str | None = None, path: str | None = None
) -> list[str]:
    """The period's spend against estimate per team and per path (of one team or path, when given)."""
    lines = [
        f"{bill.since:%Y-%m-%d} – {bill.until:%Y-%m-%d}: {money(bill.total, currency)} in {bill.rows} rows; "
        f"{money(bill.attributed, currency)} ({percent(bill.share)}) attributed to a team"
    ]
    teams = [t for t in bill.by_team if team is None or t.name == team]
    paths = [p for p in bill.by_path if path is None or p.name == path]
    if path is None:
        for line in teams[:MAX_LINES_PER_LIST]:
            lines.append(
                f"{_named(line, 'team ', 'no team')}: {versus(line.estimate, line.actual, currency)}"
            )
    if team is None:
        for line in paths[:MAX_LINES_PER_LIST]:
            lines.append(
                f"{_named(line, '', 'no golden path')}: {versus(line.estimate, line.actual, currency)}"
            )
    return lines


def _named(line: Line, prefix: str, nobody: str) -> str:
    return nobody if line.name == UNATTRIBUTED else prefix + line.name


def bill_lines(summary: ImportSummary, *, team: str | None = None, path: str | None = None) -> list[str]:
    """The newest billing period of the import in detail (the one a reader acts on)."""
    if not summary.bills:
        return [headline(summary)]
    return [headline(summary), *period_lines(summary.bills[-1], summary.currency, team=team, path=path)]
