"""A report as labelled lines: the one wording shared by Slack, the digest and the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.metrics.report import Report
from bot.metrics.window import Durations


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    # How the value was counted ("12 requests"); shown smaller.
    detail: str = ""


def span(delta: timedelta | None) -> str:
    if delta is None:
        return "–"
    seconds = delta.total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def percent(fraction: float | None) -> str:
    return "–" if fraction is None else f"{100 * fraction:.0f}%"


def _durations(d: Durations, noun: str) -> tuple[str, str]:
    if not d.count:
        return "–", f"no {noun}s"
    return f"{span(d.median)} median · {span(d.p90)} p90", f"{d.count} {noun}{'s' if d.count != 1 else ''}"


def figures(report: Report) -> list[Figure]:
    lead, lead_n = _durations(report.lead_time, "request")
    wait, wait_n = _durations(report.approval_wait, "approved request")
    adoption = report.adoption
    teams = f"{len(adoption.active_teams)} of {len(adoption.known_teams)} teams"
    cfr = report.change_failure
    drift = report.drift
    close, _ = _durations(drift.time_to_close, "finding")
    nps = report.nps
    csat = report.csat
    response = report.response.get("all")
    return [
        Figure("Lead time", lead, lead_n),
        Figure("Approval wait", wait, wait_n),
        Figure("Adoption", percent(adoption.share), teams),
        Figure("Change failure rate", percent(cfr.rate), f"{cfr.failures} of {cfr.changes} applies failed"),
        Figure(
            "Drift",
            f"{drift.detected} found · {drift.open_at_end} open",
            f"{drift.resolved} resolved, {drift.accepted} accepted; time to close {close}",
        ),
        Figure(
            "NPS",
            "–" if nps.score is None else f"{nps.score:+.0f}",
            f"{nps.respondents} people; promoters {nps.promoters}, detractors {nps.detractors}",
        ),
        Figure(
            "CSAT",
            "–" if csat.score is None else f"{csat.score:.0f}%",
            f"{csat.answers} answers" + ("" if csat.mean is None else f", mean {csat.mean:.1f} of 5"),
        ),
        Figure(
            "Poll response rate",
            percent(response.rate if response else None),
            f"{response.answered if response else 0} of {response.sent if response else 0} polls answered",
        ),
    ]


def requests_per_path(report: Report) -> list[Figure]:
    adoption = report.adoption
    return [
        Figure(path, str(count), f"{adoption.succeeded_per_path.get(path, 0)} succeeded")
        for path, count in adoption.requests_per_path.items()
    ]


def first_provision(report: Report) -> list[Figure]:
    return [
        Figure(team, span(first.time_to_first) if first.first_success_at else "not yet", "")
        for team, first in report.first_provision.items()
    ]
