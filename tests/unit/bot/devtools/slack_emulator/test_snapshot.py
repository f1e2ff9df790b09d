"""A sandbox restart keeps its conversations: the emulator saved to a file on stop and read back
on the next start shows the same channels, threads, DMs and files, and goes on minting new ids
and later timestamps."""

from __future__ import annotations

from pathlib import Path

from slack_sdk import WebClient

from bot.devtools.slack_emulator import SlackEmulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _client(slack: SlackEmulator) -> WebClient:
    return WebClient(base_url=slack.base_url, token=slack.workspace.bot_token, timeout=10)


def test_threads_dms_and_files_survive_a_restart_and_new_ones_come_after_them(tmp_path: Path) -> None:
    saved = tmp_path / "slack.json"
    with SlackEmulator(persist_to=saved) as first:
        client = _client(first)
        root = client.chat_postMessage(channel="C0REQUESTS", text="PB-1 root")["ts"]
        client.chat_postMessage(channel="C0REQUESTS", thread_ts=root, text="PB-1 planned")
        client.chat_update(channel="C0REQUESTS", ts=root, text="PB-1 succeeded")
        dm = client.conversations_open(users="U0REQ")["channel"]["id"]
        client.chat_postMessage(channel=dm, text="your credentials")
        upload = client.files_upload_v2(content=PNG, filename="chart.png", channel="C0REQUESTS", title="c")
        first_file = upload["files"][0]["id"]

    with SlackEmulator(persist_to=saved) as second:
        client = _client(second)
        (kept_root, chart) = second.messages("C0REQUESTS")[:2]
        assert kept_root.ts == root and kept_root.text == "PB-1 succeeded"
        assert [m.text for m in second.thread("C0REQUESTS", root)][1:] == ["PB-1 planned"]
        assert [m.text for m in second.messages(dm)] == ["your credentials"]
        assert second.state.file_store[first_file].content == PNG
        assert chart.files == [first_file]

        later = client.chat_postMessage(channel="C0REQUESTS", thread_ts=root, text="PB-1 destroyed")["ts"]
        assert float(later) > float(root)
        again = client.files_upload_v2(content=b"x", filename="b.txt", channel="C0REQUESTS", title="b")
        assert again["files"][0]["id"] != first_file


def test_an_emulator_without_a_snapshot_file_starts_empty(tmp_path: Path) -> None:
    with SlackEmulator(persist_to=tmp_path / "none.json") as slack:
        assert slack.messages("C0REQUESTS") == []
