"""Imports every sub-command module so each registers itself on `bot.cli.app`.

Add one plain `import` line per sub-command module (ruff keeps those on separate lines).
"""

from __future__ import annotations

import bot.cli.costs  # noqa: F401
import bot.cli.dev  # noqa: F401
import bot.cli.doctor  # noqa: F401
import bot.cli.plan  # noqa: F401
import bot.cli.report  # noqa: F401
import bot.cli.rulebook  # noqa: F401
import bot.cli.serve  # noqa: F401
import bot.cli.worker  # noqa: F401
