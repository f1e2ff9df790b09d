"""Imports every sub-command module so each registers itself on `bot.cli.app`.

Add one import line per sub-command module.
"""

from __future__ import annotations

import bot.cli.plan  # noqa: F401
from bot.cli import rulebook  # noqa: F401
