"""Golden path `redis-cache`, written as a platform team would write its own: a package whose
GOLDEN_PATH is named in the entry-point group `platformbot.golden_paths` (see pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

from platformbot_redis_cache.program import PROGRAM
from provisioners.golden_path import GoldenPath

HERE = Path(__file__).resolve().parent

GOLDEN_PATH = GoldenPath(
    name="redis-cache",
    catalog=HERE / "catalog.yaml",
    program=PROGRAM,
    prices=HERE / "prices.yaml",
    settings=("admin_url",),
)
