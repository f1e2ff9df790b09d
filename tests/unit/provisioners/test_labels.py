from __future__ import annotations

import json

from intents.intent import Intent
from provisioners.labels import (
    LABEL_KEYS,
    Labels,
    labels_json,
    labels_of,
    missing_label_keys,
    unlabelled_creates,
)
from provisioners.plan import ResourceChange

INTENT = Intent(path="postgres-database", name="billing", env="prod", params={})
TYPE = "pulumi-python:dynamic/platformbot:PostgresDatabase"


def test_every_label_is_handed_on_and_what_is_unknown_is_empty() -> None:
    labels = Labels.for_intent(INTENT, team="payments", cost_centre=None, request_id="PB-3")
    assert labels.as_input() == {
        "team": "payments",
        "cost_centre": "",
        "golden_path": "postgres-database",
        "request_id": "PB-3",
        "requester": "",
        "environment": "prod",
    }
    assert tuple(labels.as_input()) == LABEL_KEYS


def test_the_json_form_is_canonical_whatever_the_key_order() -> None:
    labels = Labels.for_intent(INTENT, team="payments").as_input()
    backwards = dict(reversed(list(labels.items())))
    assert labels_json(labels) == labels_json(backwards)
    assert json.loads(labels_json(labels)) == labels


def test_a_resource_without_a_labels_map_has_none_and_lacks_every_key() -> None:
    assert labels_of({"name": "x"}) is None and labels_of({"labels": "[secret]"}) is None
    assert missing_label_keys({"name": "x"}) == list(LABEL_KEYS)
    assert missing_label_keys({"labels": {"team": "payments", "environment": "prod"}}) == [
        "cost_centre",
        "golden_path",
        "request_id",
        "requester",
    ]


def change(name: str, op: str, labels: dict[str, str] | None) -> ResourceChange:
    urn = f"urn:pulumi:s::p::{TYPE}::{name}"
    return ResourceChange(urn=urn, type=TYPE, name=name, op=op, labels=labels)


def test_only_creates_without_every_label_are_unlabelled() -> None:
    full = Labels.for_intent(INTENT).as_input()
    changes = [
        change("labelled", "create", full),
        change("bare", "create", None),
        change("partial", "create", {"team": "payments"}),
        change("gone", "delete", None),
        change("changed", "update", None),
    ]
    assert unlabelled_creates(changes) == [
        "platformbot:PostgresDatabase bare",
        "platformbot:PostgresDatabase partial",
    ]
