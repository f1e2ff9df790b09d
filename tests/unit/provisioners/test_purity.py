"""Arrows point down only: provisioners may use intents and pulumi, never the bot or Slack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_provisioners_import_nothing_from_the_bot_slack_or_the_scheduler() -> None:
    code = (
        "import sys, provisioners, provisioners.runner, provisioners.programs;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'slack_bolt', 'slack_sdk', 'sqlmodel', 'apscheduler', 'bot', 'rulebook'}];"
        "print(','.join(sorted(bad)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
