"""Which team, path and request each bill row is: by its tags first, then by the stack it names."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.cost.attribution import BY_RESOURCE, BY_TAGS, attribute_all
from bot.cost.focus import parse_focus
from bot.cost.history import StackChange
from tests.support.focus_files import charge, focus_csv

AT = datetime(2025, 1, 2, tzinfo=UTC)
CHANGES = [
    StackChange("postgres-database-billing-prod", AT, True, Decimal(125), "postgres-database", "payments", 7),
    StackChange("service-ledger-prod", AT, True, Decimal(16), "service", "search", 9),
]


def attributed(*rows: dict[str, str]) -> list[tuple[str | None, str | None, str | None, int | None, str]]:
    found = attribute_all(parse_focus(focus_csv(list(rows))), CHANGES)
    return [(a.team, a.path, a.stack_name, a.request_id, a.matched_by) for _row, a in found]


def test_the_labels_in_tags_attribute_a_row_and_a_request_id_names_its_stack() -> None:
    assert attributed(
        charge("1", tags={"team": "payments", "golden_path": "postgres-database", "request_id": "PB-7"}),
        charge("1", tags={"platformbot-request": "pb-9"}),  # another exporter's spelling
        charge("1", tags={"Team": "data"}),  # a team the bot never built for: still that team's
    ) == [
        ("payments", "postgres-database", "postgres-database-billing-prod", 7, BY_TAGS),
        ("search", "service", "service-ledger-prod", 9, BY_TAGS),
        ("data", None, None, None, BY_TAGS),
    ]


def test_a_resource_id_naming_a_stack_attributes_an_untagged_row() -> None:
    assert attributed(
        charge("1", resource_id="/subscriptions/1/servers/pg/databases/postgres-database-billing-prod"),
        charge("1", resource_id="service-ledger-prod"),
    ) == [
        ("payments", "postgres-database", "postgres-database-billing-prod", 7, BY_RESOURCE),
        ("search", "service", "service-ledger-prod", 9, BY_RESOURCE),
    ]


def test_a_row_naming_nothing_the_bot_built_stays_unattributed() -> None:
    assert attributed(charge("1", resource_id="arn:aws:s3:::someone-elses-bucket", tags={"owner": "x"})) == [
        (None, None, None, None, "")
    ]
