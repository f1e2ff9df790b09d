"""EventCollector over engine events shaped like the ones the v3.259 engine sends (seen in a real run)."""

from __future__ import annotations

from typing import Any

from pulumi.automation import EngineEvent

from provisioners.changes import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN_VALUE, EventCollector, mask
from provisioners.plan import Progress

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"
DB = "pulumi-python:dynamic/platformbot:PostgresDatabase"
SECRET = {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": "[secret]"}


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:pg.billing.staging::postgres-database::{type_}::{name}"


def state(
    type_: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    provider = {"__provider": SECRET}
    return {
        "type": type_,
        "urn": urn(type_, name),
        "inputs": {**provider, **inputs},
        "outputs": {**provider, **(outputs if outputs is not None else inputs)},
    }


def step(
    kind: str, op: str, type_: str, name: str, old: Any = None, new: Any = None, **extra: Any
) -> EngineEvent:
    meta = {"op": op, "urn": urn(type_, name), "type": type_, "provider": "", **extra}
    if old is not None:
        meta["old"] = old
    if new is not None:
        meta["new"] = new
    return EngineEvent.from_json({"sequence": 1, "timestamp": 0, kind: {"metadata": meta}})


def collector(**kw: Any) -> EventCollector:
    return EventCollector(
        "pg.billing.staging", type_order=(ROLE, DB), stateful_types=frozenset({ROLE, DB}), **kw
    )


def test_mask_blinds_secrets_and_names_unknowns() -> None:
    assert mask({"a": SECRET, "b": [UNKNOWN_VALUE, 10.0], "c": None}) == {
        "a": "[secret]",
        "b": ["(known after apply)", 10],
        "c": None,
    }


def test_internal_resources_are_not_changes() -> None:
    c = collector()
    c(
        step(
            "resourcePreEvent",
            "create",
            "pulumi:pulumi:Stack",
            "pg",
            new=state("pulumi:pulumi:Stack", "pg", {}),
        )
    )
    c(step("resourcePreEvent", "create", "pulumi:providers:pulumi-python", "default"))
    assert c.plan().changes == ()


def test_creates_list_every_input_except_the_provider_blob() -> None:
    c = collector()
    c(
        step(
            "resourcePreEvent",
            "create",
            DB,
            "database",
            new=state(DB, "database", {"name": "b", "owner": UNKNOWN_VALUE}),
        )
    )
    c(
        step(
            "resourcePreEvent",
            "create",
            ROLE,
            "owner",
            new=state(ROLE, "owner", {"name": "o", "connection_limit": 10}),
        )
    )
    plan = c.plan()
    assert [ch.name for ch in plan.changes] == ["owner", "database"]  # dependency order, not arrival order
    role, db = plan.changes
    assert role.keys == ("connection_limit", "name") and role.stateful
    assert db.after == {"name": "b", "owner": "(known after apply)"}
    assert plan.counts == {"create": 2}


def test_an_update_names_only_the_changed_keys_with_before_and_after() -> None:
    c = collector()
    old = state(
        ROLE,
        "owner",
        {"name": "o", "connection_limit": 10},
        {"name": "o", "connection_limit": 10, "password": SECRET},
    )
    new = state(ROLE, "owner", {"name": "o", "connection_limit": 50}, {})
    c(step("resourcePreEvent", "update", ROLE, "owner", old=old, new=new))
    c(step("resourcePreEvent", "same", DB, "database", old=state(DB, "database", {"name": "b"})))
    plan = c.plan()
    (change,) = plan.changes
    assert (change.op, change.keys, change.before, change.after) == (
        "update",
        ("connection_limit",),
        {"connection_limit": 10},
        {"connection_limit": 50},
    )
    assert plan.unchanged == 1


def test_a_replace_is_shown_once_with_its_cause() -> None:
    c = collector()
    old, new = state(DB, "database", {"name": "a"}), state(DB, "database", {"name": "b"})
    for op in ("create-replacement", "replace", "delete-replaced"):
        c(step("resourcePreEvent", op, DB, "database", old=old, new=new, keys=["name"]))
    (change,) = c.plan().changes
    assert (change.op, change.replace_keys, change.before, change.after) == (
        "replace",
        ("name",),
        {"name": "a"},
        {"name": "b"},
    )


def test_two_collections_of_the_same_events_hash_the_same() -> None:
    def run() -> str:
        c = collector()
        c(step("resourcePreEvent", "create", ROLE, "owner", new=state(ROLE, "owner", {"name": "o"})))
        return c.plan().plan_hash

    assert run() == run()


def test_drift_compares_recorded_and_live_outputs_and_never_shows_a_secret() -> None:
    c = collector()
    recorded = state(
        ROLE,
        "owner",
        {"name": "o", "connection_limit": 10},
        {"name": "o", "connection_limit": 10, "password": SECRET},
    )
    live = state(
        ROLE,
        "owner",
        {"name": "o", "connection_limit": 10},
        {"name": "o", "connection_limit": 3, "password": "plain"},
    )
    c(step("resourcePreEvent", "refresh", ROLE, "owner", old=recorded, new=recorded))
    c(step("resOutputsEvent", "update", ROLE, "owner", old=recorded, new=live))
    c(step("resOutputsEvent", "delete", DB, "database", old=state(DB, "database", {"name": "b"})))
    c(step("resOutputsEvent", "same", "pulumi:providers:pulumi-python", "default"))
    report = c.drift()
    assert report.checked == 2
    changed, gone = report.changes
    assert (changed.keys, changed.before, changed.after) == (
        ("connection_limit",),
        {"connection_limit": 10},
        {"connection_limit": 3},
    )
    assert gone.op == "delete" and gone.before == {"name": "b"}
    assert "plain" not in report.render_text()


def test_progress_reports_starts_finishes_and_failures_of_real_resources_only() -> None:
    seen: list[Progress] = []
    c = collector(on_progress=seen.append)
    c(step("resourcePreEvent", "create", ROLE, "owner", new=state(ROLE, "owner", {})))
    c(step("resOutputsEvent", "create", ROLE, "owner", new=state(ROLE, "owner", {})))
    c(step("resourcePreEvent", "create", "pulumi:pulumi:Stack", "pg"))
    c(
        EngineEvent.from_json(
            {
                "sequence": 2,
                "timestamp": 0,
                "resOpFailedEvent": {
                    "metadata": {"op": "create", "urn": urn(DB, "database"), "type": DB, "provider": ""},
                    "status": 1,
                    "steps": 1,
                },
            }
        )
    )
    assert [(p.name, p.op, p.status) for p in seen] == [
        ("owner", "create", "started"),
        ("owner", "create", "finished"),
        ("database", "create", "failed"),
    ]


def test_a_failing_progress_callback_does_not_stop_collection() -> None:
    def broken(_: Progress) -> None:
        raise ValueError("display broke")

    c = collector(on_progress=broken)
    c(step("resourcePreEvent", "create", ROLE, "owner", new=state(ROLE, "owner", {"name": "o"})))
    assert len(c.plan().changes) == 1


def test_error_diagnostics_are_kept_for_the_failure_message() -> None:
    c = collector()
    c(
        EngineEvent.from_json(
            {
                "sequence": 3,
                "timestamp": 0,
                "diagnosticEvent": {"message": "boom", "color": "never", "severity": "error"},
            }
        )
    )
    c(
        EngineEvent.from_json(
            {
                "sequence": 4,
                "timestamp": 0,
                "diagnosticEvent": {"message": "chatter", "color": "never", "severity": "debug"},
            }
        )
    )
    assert c.errors == ["boom"]
