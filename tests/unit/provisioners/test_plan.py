from __future__ import annotations

from provisioners.plan import DriftReport, Plan, ResourceChange, hash_changes

TYPE = "pulumi-python:dynamic/platformbot:PostgresRole"


def change(stack: str = "postgres-database.billing.staging", **over: object) -> ResourceChange:
    values: dict[str, object] = {
        "urn": f"urn:pulumi:{stack}::postgres-database::{TYPE}::owner",
        "type": TYPE,
        "name": "owner",
        "op": "update",
        "keys": ("connection_limit",),
        "before": {"connection_limit": 10},
        "after": {"connection_limit": 50},
        "stateful": True,
        **over,
    }
    return ResourceChange.model_validate(values)


def test_two_builds_of_the_same_changes_hash_the_same() -> None:
    assert Plan.build("s", [change()]).plan_hash == Plan.build("s", [change()]).plan_hash


def test_the_hash_ignores_the_order_the_engine_reported_changes_in() -> None:
    other = change(name="database", urn=f"urn:pulumi:s::p::{TYPE}::database")
    assert Plan.build("s", [change(), other]).plan_hash == Plan.build("s", [other, change()]).plan_hash


def test_the_same_changes_for_two_stacks_are_two_plan_hashes() -> None:
    # An approval is bound to the hash: a dev plan's hash must not also fit the prod stack's plan.
    dev = Plan.build("postgres-database.billing.dev", [change(stack="sandbox-1")])
    prod = Plan.build("postgres-database.billing.prod", [change(stack="sandbox-1")])
    assert dev.plan_hash != prod.plan_hash


def test_a_change_hashes_without_the_stack_part_of_its_urn() -> None:
    # Drift fingerprints compare changes alone, whatever stack name the URN carries.
    assert hash_changes([change(stack="sandbox-1")]) == hash_changes([change(stack="sandbox-2")])


def test_a_different_value_is_a_different_hash() -> None:
    other = change(after={"connection_limit": 200})
    assert Plan.build("s", [change()]).plan_hash != Plan.build("s", [other]).plan_hash


def test_a_different_op_is_a_different_hash() -> None:
    assert Plan.build("s", [change()]).plan_hash != Plan.build("s", [change(op="replace")]).plan_hash


def test_counts_follow_the_changes() -> None:
    plan = Plan.build(
        "s", [change(), change(op="create", name="a"), change(op="create", name="b")], unchanged=3
    )
    assert plan.counts == {"create": 2, "update": 1}
    assert plan.summary_line() == "Resources: 2 to create, 1 to update, 3 unchanged."


def test_an_empty_plan_says_so() -> None:
    plan = Plan.build("s", [], unchanged=2)
    assert not plan.has_changes
    assert plan.summary_line() == "No changes. 2 unchanged."


def test_a_plan_survives_a_json_round_trip_with_its_hash() -> None:
    plan = Plan.build("s", [change(after={"password": "[secret]", "limit": 5, "tags": ["a"]})])
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert Plan.build(again.stack, again.changes).plan_hash == plan.plan_hash


def test_render_shows_updates_as_old_to_new_and_marks_stateful() -> None:
    text = Plan.build("postgres-database.billing.staging", [change()]).render_text()
    lines = text.splitlines()
    assert lines[0].startswith("Plan for stack postgres-database.billing.staging (hash ")
    assert lines[1] == "~ platformbot:PostgresRole owner (update, stateful)"
    assert lines[2] == "    ~ connection_limit: 10 => 50"
    assert lines[-1] == "Resources: 1 to update."


def test_render_shows_creates_secrets_and_unknowns_like_preview_diff() -> None:
    created = change(
        op="create",
        keys=("name", "password", "id"),
        before={},
        after={"name": "x", "password": "[secret]", "id": "(known after apply)"},
    )
    text = Plan.build("s", [created]).render_text()
    assert '    + name: "x"' in text
    assert "    + password: [secret]" in text
    assert "    + id: (known after apply)" in text


def test_render_shows_a_replacement_and_its_cause() -> None:
    replaced = change(
        op="replace", keys=("name",), replace_keys=("name",), before={"name": "a"}, after={"name": "b"}
    )
    text = Plan.build("s", [replaced]).render_text()
    assert "+- platformbot:PostgresRole owner (replace, stateful) [replace because: name]" in text
    assert '    ~ name: "a" => "b"' in text


def test_render_diffs_multiline_values_line_by_line_and_can_clip() -> None:
    edited = change(keys=("content",), before={"content": "a\nb\nc\n"}, after={"content": "a\nB\nc\n"})
    text = Plan.build("s", [edited]).render_text()
    assert "        -b" in text and "        +B" in text
    created = change(op="create", keys=("content",), before={}, after={"content": "1\n2\n3\n4\n"})
    clipped = Plan.build("s", [created]).render_text(max_value_lines=2)
    assert "        ... (2 more lines)" in clipped


def test_render_of_a_delete_lists_what_goes() -> None:
    gone = change(op="delete", keys=("name",), before={"name": "x"}, after={})
    assert (
        '- platformbot:PostgresRole owner (delete, stateful)\n    - name: "x"'
        in Plan.build("s", [gone]).render_text()
    )


def test_drift_report_summarises_changed_and_missing_resources() -> None:
    report = DriftReport(stack="s", changes=(change(), change(op="delete", name="db")), checked=5)
    assert report.has_drift
    assert report.summary_line() == "Drift in 2 of 5 resource(s): 1 changed outside platformbot, 1 missing."
    assert "~ connection_limit: 10 => 50" in report.render_text()
    assert (
        DriftReport(stack="s", checked=2).summary_line()
        == "No drift: 2 resource(s) match the recorded state."
    )


def _created(name: str, labels: dict[str, str]) -> ResourceChange:
    return change(
        name=name,
        urn=f"urn:pulumi:s::p::{TYPE}::{name}",
        op="create",
        keys=("name", "labels"),
        before={},
        after={"name": name, "labels": labels},
    )


def test_labels_every_created_resource_shares_are_shown_once_above_them() -> None:
    labels = {"team": "payments", "request_id": "PB-3"}
    text = Plan.build("s", [_created("database", labels), _created("owner", labels)]).render_text()
    assert text.count("labels") == 1
    assert '  + labels (on every resource below): {request_id: "PB-3", team: "payments"}' in text
    assert '    + name: "database"' in text and '    + name: "owner"' in text


def test_labels_that_differ_or_change_are_shown_on_each_resource() -> None:
    differ = [_created("database", {"team": "a"}), _created("owner", {"team": "b"})]
    assert Plan.build("s", differ).render_text().count("+ labels: {team:") == 2
    relabelled = change(keys=("labels",), before={"labels": {"team": "a"}}, after={"labels": {"team": "b"}})
    text = Plan.build("s", [*differ, relabelled]).render_text()
    assert "on every resource" not in text and '~ labels: {team: "a"} => {team: "b"}' in text
