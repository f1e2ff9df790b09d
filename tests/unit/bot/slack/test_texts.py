"""What the messages say, word for word where it matters: no doubled wording, the golden path and
the owning team named, why an owner receives credentials, one time format (Slack date tokens)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.config import AppConfig
from bot.devtools.slack_emulator import SlackEmulator
from bot.slack import present
from bot.slack import request_views as views
from bot.slack.notifier import SlackNotifier
from bot.slack.render import TEMPLATE_DIR, render_text
from bot.workflow import LockHolder, RequestState
from bot.workflow.model import ResourceRef
from intents import IntentError, load_catalog, parse_command
from tests.support.request_snapshots import AT, make_request

DATE_TOKEN = re.compile(r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>")


def test_a_create_names_the_golden_path_the_name_and_the_owning_team() -> None:
    request = make_request(state=RequestState.AWAITING_APPROVAL)

    assert views.ownership_line(request, always=True) == "creates a new service `demo` for payments"


def test_a_rejection_says_rejected_once_in_the_root() -> None:
    request = make_request(state=RequestState.REJECTED, error="Rejected by <@U0SEC1>: too big")

    assert views.state_line(request) == "*rejected* by <@U0SEC1>: too big"


def test_the_owner_is_told_why_someone_elses_change_sends_them_credentials(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    ref = ResourceRef(stack_name="service.demo.dev", owner_team="payments", owner="U0REQ", request_id="PB-3")
    notifier = SlackNotifier(client, config)
    opened = make_request(resource=ref, requester="U0DEV2")
    request = replace(opened, thread_ts=notifier.request_opened(opened))

    notifier.deliver_secrets("U0REQ", request, {"password": "s3cret"})
    notifier.deliver_secrets("U0DEV2", request, {"password": "s3cret"})

    [to_owner] = slack.dms("U0REQ")
    assert "asked for by <@U0DEV2> and approved" in to_owner.all_text
    assert "a resource your team owns" in to_owner.all_text and "created or changed it" in to_owner.all_text
    [to_requester] = slack.dms("U0DEV2")
    assert "your team owns" not in to_requester.all_text and "is ready" in to_requester.all_text


def test_a_busy_stack_says_since_when_as_a_slack_date_token(
    slack: SlackEmulator, client: WebClient, config: AppConfig
) -> None:
    notifier = SlackNotifier(client, config)
    request = replace(make_request(), thread_ts=notifier.request_opened(make_request()))

    notifier.stack_busy(request, LockHolder("service.demo.dev", "PB-3", "host", 1, AT))

    [busy] = [m for m in slack.thread("C0REQUESTS", request.thread_ts or "") if "waits" in m.text]
    assert DATE_TOKEN.search(busy.text), busy.text
    assert "&lt;!date" not in busy.text


def test_drift_times_use_the_same_date_token_as_the_thread() -> None:
    assert DATE_TOKEN.fullmatch(present.when(AT))
    assert present.when(AT) == views.moment(AT)


TEMPLATES = sorted(p for p in TEMPLATE_DIR.rglob("*.j2") if not p.name.startswith("approval_"))
# The same word twice in a row, outside Jinja tags ("the the", "is is").
DOUBLED = re.compile(r"\b([A-Za-z]{2,})\s+\1\b", re.IGNORECASE)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATE_DIR)))
def test_no_template_says_a_word_twice_in_a_row(path: Path) -> None:
    words = re.sub(r"\{[{%#].*?[}%#]\}", " ", path.read_text(), flags=re.DOTALL)

    assert not DOUBLED.search(words), DOUBLED.search(words)


def test_a_missing_request_id_is_explained_with_one_example() -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("status", load_catalog())

    [problem] = caught.value.problems
    assert problem.message == "`status` needs a request id: `/platform status PB-17`."
    assert problem.message.count("PB-17") == 1


def test_a_reminder_reads_as_a_sentence_whatever_the_count() -> None:
    text = render_text(
        "notices/reminder",
        request=views.request_view(make_request()),
        needs="1 from security",
        expires="soon",
    )

    assert text == "*Approval for PB-1 needed.* Still missing: 1 from security; it expires soon."
