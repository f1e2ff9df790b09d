from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_rulebook_imports_nothing_from_slack_pulumi_the_database_or_the_scheduler() -> None:
    code = (
        "import sys, rulebook, rulebook.testing, rulebook.explain;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'slack_bolt', 'slack_sdk', 'pulumi', 'sqlmodel', 'sqlalchemy', 'apscheduler',"
        " 'provisioners', 'bot'}];"
        "print(','.join(sorted(bad)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
