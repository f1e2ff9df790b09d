"""The state line of an awaiting request names what is still missing, not what was required."""

from __future__ import annotations

from bot.slack import request_views as views
from bot.workflow import RequestState
from tests.support.request_snapshots import make_request

REQUIRED = {"oncall": 1, "security": 1, "team:payments": 1}


def test_the_state_line_lists_only_the_groups_still_missing() -> None:
    request = make_request(
        state=RequestState.AWAITING_APPROVAL,
        required_approvals=REQUIRED,
        missing_approvals={"oncall": 1, "security": 0, "team:payments": 1},
    )

    assert views.state_line(request) == (
        "*awaiting approval* (waiting for 1 from oncall, 1 from team payments)"
    )


def test_a_snapshot_read_without_votes_still_shows_what_was_required() -> None:
    request = make_request(state=RequestState.AWAITING_APPROVAL, required_approvals=REQUIRED)

    assert views.state_line(request) == (
        "*awaiting approval* (1 from oncall, 1 from security, 1 from team payments)"
    )


def test_a_rejection_reason_reads_as_slack_showed_it_and_pings_nobody() -> None:
    typed = "<@U0DEV2|dana> please see <https://x.example|runbook> <!here>"
    request = make_request(state=RequestState.REJECTED, error=f"Rejected by <@U0SEC1>: {typed}")

    assert views.state_line(request) == (
        "*rejected* by <@U0SEC1>: @dana please see runbook (https://x.example) @here"
    )
