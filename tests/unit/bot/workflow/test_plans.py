from __future__ import annotations

import pytest

from bot.errors import RequestNotFound
from bot.workflow import format_request_id, parse_request_id
from bot.workflow.plans import plan_change, plan_facts
from provisioners import Plan, ResourceChange


def change(name: str, op: str = "create", value: str = "a", **extra: object) -> ResourceChange:
    return ResourceChange(
        urn=f"urn:pulumi:s::p::platformbot:RepoFile::{name}",
        type="pulumi-python:dynamic/platformbot:RepoFile",
        name=name,
        op=op,  # type: ignore[arg-type]
        keys=("content",),
        after={"content": value},
        **extra,  # type: ignore[arg-type]
    )


def test_plan_facts_carry_changed_and_replace_keys_once() -> None:
    plan = Plan.build("s", [change("readme", op="replace", replace_keys=("path", "content"), stateful=True)])
    (facts,) = plan_facts(plan).changes
    assert facts.keys == ("content", "path") and facts.op == "replace" and facts.stateful
    assert plan_facts(plan).counts == {"replace": 1}


def test_plan_change_names_added_removed_and_changed_resources() -> None:
    old = Plan.build("s", [change("readme"), change("ci"), change("owners", value="U1")])
    new = Plan.build("s", [change("readme"), change("owners", value="U2"), change("app")])
    diff = plan_change(old, new)
    assert diff.old_hash == old.plan_hash and diff.new_hash == new.plan_hash
    assert (diff.added, diff.removed, diff.changed) == (
        ("platformbot:RepoFile::app",),
        ("platformbot:RepoFile::ci",),
        ("platformbot:RepoFile::owners",),
    )
    assert diff.lines() == [
        "+ platformbot:RepoFile::app",
        "- platformbot:RepoFile::ci",
        "~ platformbot:RepoFile::owners",
    ]


def test_request_ids_read_any_case_and_print_canonically() -> None:
    assert parse_request_id("pb-17") == parse_request_id(" PB-17 ") == parse_request_id(17) == 17
    assert format_request_id(17) == "PB-17"
    for bad in ("PB-", "17", "PB-1x", "XX-3"):
        with pytest.raises(RequestNotFound):
            parse_request_id(bad)
