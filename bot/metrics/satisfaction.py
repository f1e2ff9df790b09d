"""What people say: NPS, CSAT and how many polls get an answer. Pure functions over feedback rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.metrics.window import Window
from bot.store import FeedbackAnswerRow, FeedbackPollRow

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SATISFIED_MIN = 4


@dataclass(frozen=True)
class Nps:
    respondents: int
    promoters: int
    detractors: int

    @property
    def score(self) -> float | None:
        """% promoters − % detractors, from −100 to 100; None without respondents."""
        if not self.respondents:
            return None
        return 100 * (self.promoters - self.detractors) / self.respondents


def nps(answers: Iterable[FeedbackAnswerRow], window: Window) -> Nps:
    """NPS: over the `nps` answers (0–10, from a poll or from `/platform feedback`) with
    `answered_at` inside the window, taking only each person's latest answer in the window:
    the percentage of promoters (9–10) minus the percentage of detractors (0–6). Passives (7–8)
    count as respondents only."""
    latest: dict[str, FeedbackAnswerRow] = {}
    for answer in answers:
        if answer.kind != "nps" or answer.score is None or answer.answered_at not in window:
            continue
        seen = latest.get(answer.user_id)
        if seen is None or (answer.answered_at, answer.id or 0) > (seen.answered_at, seen.id or 0):
            latest[answer.user_id] = answer
    scores = [a.score for a in latest.values() if a.score is not None]
    return Nps(
        respondents=len(scores),
        promoters=sum(1 for s in scores if s >= PROMOTER_MIN),
        detractors=sum(1 for s in scores if s <= DETRACTOR_MAX),
    )


@dataclass(frozen=True)
class Csat:
    answers: int
    satisfied: int
    total_score: int

    @property
    def score(self) -> float | None:
        """% of answers that are 4 or 5; None without answers."""
        return 100 * self.satisfied / self.answers if self.answers else None

    @property
    def mean(self) -> float | None:
        return self.total_score / self.answers if self.answers else None


def csat(answers: Iterable[FeedbackAnswerRow], window: Window) -> Csat:
    """CSAT: over the `csat` answers (1–5, each about one request) with `answered_at` inside the
    window, the percentage that are 4 or 5. Every answer counts (one person can rate several
    requests); the mean score is given alongside."""
    scores = [
        a.score for a in answers if a.kind == "csat" and a.score is not None and a.answered_at in window
    ]
    return Csat(len(scores), sum(1 for s in scores if s >= SATISFIED_MIN), sum(scores))


@dataclass(frozen=True)
class ResponseRate:
    sent: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


def response_rate(polls: Iterable[FeedbackPollRow], window: Window) -> dict[str, ResponseRate]:
    """Poll response rate, per poll kind (`csat`, `nps`) and `all`: of the polls delivered (a
    message exists: `message_ts` is set) with `sent_at` inside the window, the fraction answered
    (`answered_at` set and before the window's end). `/platform feedback` answers are not polls
    and do not count. Polls sent just before the window's end have had little time to be answered."""
    counts: dict[str, list[int]] = {"csat": [0, 0], "nps": [0, 0], "all": [0, 0]}
    for poll in polls:
        if not poll.message_ts or poll.sent_at not in window:
            continue
        answered = poll.answered_at is not None and poll.answered_at < window.until
        for key in (poll.kind, "all"):
            entry = counts.setdefault(key, [0, 0])
            entry[0] += 1
            entry[1] += int(answered)
    return {kind: ResponseRate(sent, answered) for kind, (sent, answered) in counts.items()}


def comments(answers: Iterable[FeedbackAnswerRow], window: Window, limit: int = 5) -> list[str]:
    """The newest free-text comments inside the window (from any answer kind), newest first."""
    with_text = [a for a in answers if a.comment and a.answered_at in window]
    with_text.sort(key=lambda a: (a.answered_at, a.id or 0), reverse=True)
    return [a.comment for a in with_text[:limit] if a.comment]


def scores_by_path(answers: Iterable[FeedbackAnswerRow], window: Window) -> Mapping[str, Csat]:
    """CSAT per golden path (answers that name one), with the same definition as `csat`."""
    by_path: dict[str, list[FeedbackAnswerRow]] = {}
    for answer in answers:
        if answer.path:
            by_path.setdefault(answer.path, []).append(answer)
    return {path: csat(rows, window) for path, rows in sorted(by_path.items())}
