"""Golden path `rabbitmq-vhost`, written as a platform team would write its own: a package whose
GOLDEN_PATH is named in the entry-point group `platformbot.golden_paths` (see pyproject.toml)."""

from __future__ import annotations

from pathlib import Path

from platformbot_rabbitmq_vhost.program import PROGRAM
from provisioners.golden_path import GoldenPath

HERE = Path(__file__).resolve().parent

GOLDEN_PATH = GoldenPath(
    name="rabbitmq-vhost",
    catalog=HERE / "catalog.yaml",
    program=PROGRAM,
    rules=HERE / "rules.yaml",
    rule_tests=HERE / "rule-tests.yaml",
    prices=HERE / "prices.yaml",
    templates=HERE / "templates",
    # The management API (with an administrator's credentials) and where clients connect.
    settings=("admin_url", "amqp_url"),
    example="rabbitmq-vhost name=orders env=dev size=small",
)
