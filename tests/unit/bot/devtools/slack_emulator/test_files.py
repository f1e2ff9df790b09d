"""files_upload_v2 end to end: getUploadURLExternal, the upload POST, completeUploadExternal."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.devtools.slack_emulator import SlackEmulator
from bot.metrics import build_report
from bot.metrics.chart import render_chart
from bot.metrics.slack import StatsPoster
from tests.support.databases import store_on
from tests.support.metrics_history import CONFIG_TEAMS, WINDOW, history

DIFF = "--- a/main.tf\n+++ b/main.tf\n+ resource postgres billing\n"


def test_upload_v2_shares_a_diff_into_a_thread(client: WebClient, slack: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="C0REQUESTS", text="request PB-3")["ts"]
    reply = client.files_upload_v2(
        content=DIFF,
        channel="C0REQUESTS",
        thread_ts=parent,
        snippet_type="diff",
        title="Plan for PB-3",
        filename="plan.diff",
        initial_comment="Full plan attached",
    )
    assert reply["file"]["title"] == "Plan for PB-3"
    [uploaded] = slack.files
    assert (uploaded.text, uploaded.snippet_type, uploaded.name) == (DIFF, "diff", "plan.diff")
    thread = slack.thread("C0REQUESTS", parent)
    assert [m.text for m in thread] == ["request PB-3", "Full plan attached"]
    assert thread[1].files == [uploaded.id]
    assert thread[1].source == "file_share"
    assert uploaded.shares == [("C0REQUESTS", thread[1].ts)]
    assert [r.method for r in slack.requests] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_shared_message_carries_file_objects(client: WebClient, slack: SlackEmulator) -> None:
    client.files_upload_v2(content=DIFF, channel="C0PLATFORM", title="plan")
    history = client.conversations_history(channel="C0PLATFORM")["messages"]
    assert history[0]["files"][0]["title"] == "plan"


def test_files_info_and_the_file_url_serve_the_upload(client: WebClient, slack: SlackEmulator) -> None:
    file_id = client.files_upload_v2(content=DIFF, channel="C0REQUESTS", title="plan")["file"]["id"]
    info = client.files_info(file=file_id)["file"]
    assert info["size"] == len(DIFF)
    with urllib.request.urlopen(info["url_private"], timeout=5) as download:
        assert download.read().decode() == DIFF


def test_files_info_of_an_unknown_file_is_file_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.files_info(file="F0NOPE")
    assert failure.value.response["error"] == "file_not_found"


def test_completing_an_upload_that_never_happened_is_file_not_found(client: WebClient) -> None:
    reserved = client.files_getUploadURLExternal(filename="plan.diff", length=10)
    with pytest.raises(SlackApiError) as failure:
        client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}], channel_id="C0REQUESTS")
    assert failure.value.response["error"] == "file_not_found"


def test_upload_into_an_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.files_upload_v2(content=DIFF, channel="C0NOPE", title="plan")
    assert failure.value.response["error"] == "channel_not_found"


def test_get_upload_url_needs_a_length(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        client.api_call("files.getUploadURLExternal", params={"filename": "x"})
    assert failure.value.response["error"] == "invalid_arguments"


def test_uploaded_content_is_recorded_for_secret_scans(client: WebClient, slack: SlackEmulator) -> None:
    client.files_upload_v2(content="password = s3cr3t-value\n", channel="C0REQUESTS", title="oops")
    assert [r.method for r in slack.requests_containing("s3cr3t-value")] == ["upload"]


def test_the_upload_url_takes_a_multipart_file_too(client: WebClient, slack: SlackEmulator) -> None:
    reserved = client.files_getUploadURLExternal(filename="plan.diff", length=4)
    boundary = "----emulator-upload"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.diff"\r\n'
        f"Content-Type: text/plain\r\n\r\ndiff\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(reserved["upload_url"], data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.read() == b"OK - 4"
    client.files_completeUploadExternal(files=[{"id": reserved["file_id"], "title": "plan"}])
    assert [f.text for f in slack.files] == ["diff"]


def test_posting_to_an_upload_url_nobody_reserved_is_404(slack: SlackEmulator) -> None:
    request = urllib.request.Request(slack.url + "/upload/v1/F0NOPE", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=5)
    assert failure.value.code == 404


def test_the_stats_chart_downloads_byte_for_byte_and_is_typed_as_a_png(
    client: WebClient, slack: SlackEmulator, request: pytest.FixtureRequest, tmp_path_factory: Any
) -> None:
    report = build_report(history(), WINDOW, CONFIG_TEAMS)
    with store_on("sqlite", request, tmp_path_factory) as store:
        StatsPoster(client=client, store=store, now=lambda: WINDOW.until).post(report, "C0PLATFORM")
    [chart] = slack.files
    info = client.files_info(file=chart.id)["file"]
    assert (info["mimetype"], info["filetype"], info["mode"]) == ("image/png", "png", "hosted")
    with urllib.request.urlopen(info["url_private"], timeout=5) as download:
        assert download.headers["Content-Type"] == "image/png"
        downloaded = download.read()
    title = "Platform outcomes, last 28 days: weekly lead time and NPS"
    assert downloaded == render_chart(report.trend, title, report.window)
    assert chart.content == downloaded and chart.text == ""  # bytes kept, no U+FFFD text made of them


def test_text_uploads_stay_text_snippets(client: WebClient) -> None:
    diff = client.files_upload_v2(content=DIFF, channel="C0REQUESTS", snippet_type="diff", filename="p.diff")
    plain = client.files_upload_v2(content="hello\n", channel="C0REQUESTS", filename="notes.txt")
    assert [(f["file"]["mimetype"], f["file"]["filetype"], f["file"]["mode"]) for f in (diff, plain)] == [
        ("text/plain", "diff", "snippet"),
        ("text/plain", "text", "hosted"),
    ]
