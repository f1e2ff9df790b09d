"""The page's mrkdwn renderer (static/mrkdwn.js), run in Node: emoji shortcodes and code blocks."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import bot
from bot.devtools.sandbox.web import STATIC_DIR
from bot.slack.render import TEMPLATE_DIR, code_block

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js to run the page's JavaScript")
SHORTCODE = re.compile(r":[a-z_+-]+:")
# In Python strings a shortcode stands apart from other colons (URNs, "host:port:db").
SHORTCODE_IN_CODE = re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]*:(?![\w:])")
BOT_DIR = Path(bot.__file__).parent
POSTING_PACKAGES = ("slack", "schedules", "drift", "feedback", "metrics")


def _mrkdwn(*texts: str) -> list[str]:
    script = (
        f"import {{ mrkdwn }} from {json.dumps((STATIC_DIR / 'mrkdwn.js').as_uri())};\n"
        f"console.log(JSON.stringify({json.dumps(list(texts))}.map((t) => mrkdwn(t))));\n"
    )
    done = subprocess.run(
        [str(NODE), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return list(json.loads(done.stdout))


def _shortcodes_the_bot_sends() -> list[str]:
    """Every shortcode in the templates and in the strings of the modules that post to Slack."""
    found = {m for p in TEMPLATE_DIR.rglob("*.j2") for m in SHORTCODE.findall(p.read_text())}
    for package in POSTING_PACKAGES:
        for module in (BOT_DIR / package).rglob("*.py"):
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found |= set(SHORTCODE_IN_CODE.findall(node.value))
    return sorted(found)


def test_every_shortcode_the_bot_sends_shows_as_an_emoji() -> None:
    codes = _shortcodes_the_bot_sends()
    assert {":pray:", ":mag:", ":zzz:", ":large_green_circle:", ":hourglass_flowing_sand:"} <= set(codes)

    for code, html in zip(codes, _mrkdwn(*codes), strict=True):
        assert 'class="emoji' in html and html.count(code) == 1, code  # only in its tooltip


def test_typed_shortcodes_show_as_emoji_and_unknown_ones_and_times_stay_text() -> None:
    [html] = _mrkdwn(":+1: at 10:30:45 :not_an_emoji:")

    assert 'aria-label="+1"' in html and "\U0001f44d" in html
    assert "10:30:45 :not_an_emoji:" in html


def test_a_code_block_shows_its_text_literally_and_a_broken_fence_does_not_end_it() -> None:
    diff = "+ content: # api\n  ```sh\n  make *run* :mag:\n  ```\n  - owned by payments"
    [html] = _mrkdwn(f"*Plan*\n{code_block(diff)}\nafter")

    [block] = re.findall(r'<pre class="code-block">(.*?)</pre>', html, flags=re.S)
    assert "make *run* :mag:" in block and "- owned by payments" in block
    assert "<b>" not in block and "<li>" not in html and 'class="emoji' not in block
    assert html.startswith('<span class="line"><b>Plan</b></span>')


def test_a_code_block_shows_no_blank_line_after_its_opening_or_before_its_closing_fence() -> None:
    [html] = _mrkdwn("```\n+ db billing\n- role old\n```")

    assert html == '<pre class="code-block">+ db billing\n- role old</pre>'
