"""Every snapshot of an awaiting request carries what its round still lacks, so the root, `status`
and the App Home say who is still waited for (finding 2 of the sandbox walk)."""

from __future__ import annotations

from bot.slack import request_views as views
from bot.workflow import Workflow
from intents import Catalog
from tests.support.workflow import RecordingNotifier, seed


def test_an_awaiting_request_shows_only_the_approvals_still_missing(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval", required={"security": 1, "oncall": 1})
    assert workflow.get(request.id).missing_approvals == {"security": 1, "oncall": 1}

    workflow.approve(request.id, "U_SEC1", request.plan_hash or "")

    # The root refreshed after the approval, `get` (status's request) and the Home's lists agree.
    (recorded,) = notifier.of("approval_recorded")
    shown = [recorded[0], workflow.get(request.id), workflow.status(request.id).request]
    shown += workflow.list_for("U_DEV", "mine")
    shown += workflow.pending_approvals_for("U_ONCALL")
    for snapshot in shown:
        assert snapshot.missing_approvals == {"security": 0, "oncall": 1}
        assert views.state_line(snapshot) == "*awaiting approval* (waiting for 1 from oncall)"


def test_a_request_past_its_approvals_carries_no_missing_approvals(
    workflow: Workflow, catalog: Catalog
) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    workflow.approve(request.id, "U_SEC1", request.plan_hash or "")

    approved = workflow.get(request.id)
    assert approved.missing_approvals is None
    assert "from security" not in views.state_line(approved)
