from __future__ import annotations

from bot.drift.accept import propose
from intents import Catalog, Intent
from provisioners import ResourceChange
from provisioners.programs.service import service_files
from tests.support.request_states import postgres_intent

ROLE = "pulumi-python:dynamic/platformbot:PostgresRole"
DATABASE = "pulumi-python:dynamic/platformbot:PostgresDatabase"
FILE = "pulumi-python:dynamic/platformbot:RepoFile"


def _change(
    type_: str, name: str, key: str, before: object, after: object, op: str = "update"
) -> ResourceChange:
    return ResourceChange(
        urn=f"urn:pulumi:s::p::{type_}::{name}",
        type=type_,
        name=name,
        op=op,  # type: ignore[arg-type]
        keys=(key,),
        before={key: before},  # type: ignore[dict-item]
        after={key: after},  # type: ignore[dict-item]
    )


def service(catalog: Catalog, owners: str = "U123ABC") -> Intent:
    values = {"name": "billing", "env": "dev", "team": "payments", "language": "python", "owners": owners}
    return catalog.build_intent("service", values)


def test_a_connection_limit_that_is_a_size_is_accepted_as_that_size(catalog: Catalog) -> None:
    proposal = propose(
        postgres_intent(catalog), [_change(ROLE, "owner", "connection_limit", 10, 50)], catalog
    )
    assert proposal.reasons == ()
    assert proposal.intent is not None and proposal.intent.params["size"] == "medium"
    assert proposal.changes == ("size: small -> medium",)


def test_a_connection_limit_that_is_no_size_is_refused_with_the_sizes_named(catalog: Catalog) -> None:
    proposal = propose(
        postgres_intent(catalog), [_change(ROLE, "owner", "connection_limit", 10, 37)], catalog
    )
    assert proposal.intent is None
    (reason,) = proposal.reasons
    assert "set to 37 by hand" in reason and "small = 10, medium = 50, large = 200" in reason
    assert "Reconcile puts it back to 10" in reason


def test_a_missing_resource_cannot_be_accepted(catalog: Catalog) -> None:
    gone = ResourceChange(urn="urn:pulumi:s::p::x::database", type=DATABASE, name="database", op="delete")
    proposal = propose(postgres_intent(catalog), [gone], catalog)
    assert proposal.intent is None and "is gone" in proposal.reasons[0]


def test_extensions_changed_by_hand_are_accepted_only_within_the_catalog(catalog: Catalog) -> None:
    intent = postgres_intent(catalog)
    allowed = propose(intent, [_change(DATABASE, "database", "extensions", [], ["citext"])], catalog)
    assert allowed.intent is not None and allowed.intent.params["extensions"] == ("citext",)
    refused = propose(intent, [_change(DATABASE, "database", "extensions", [], ["plpython3u"])], catalog)
    assert refused.intent is None and "catalog refuses" in refused.reasons[0]


def test_a_role_attribute_no_parameter_sets_is_explained(catalog: Catalog) -> None:
    proposal = propose(postgres_intent(catalog), [_change(ROLE, "owner", "login", True, False)], catalog)
    assert proposal.intent is None and "`login` of `owner`" in proposal.reasons[0]


def test_new_owners_in_codeowners_are_accepted_when_the_file_is_what_the_template_writes(
    catalog: Catalog,
) -> None:
    intent = service(catalog)
    live = service_files(service(catalog, owners="U123ABC,U456DEF"))["CODEOWNERS"]
    change = _change(FILE, "CODEOWNERS", "content", service_files(intent)["CODEOWNERS"], live)
    proposal = propose(intent, [change], catalog)
    assert proposal.reasons == ()
    assert proposal.intent is not None and proposal.intent.params["owners"] == ("U123ABC", "U456DEF")
    assert proposal.changes == ("owners: U123ABC -> U123ABC,U456DEF",)


def test_owners_typed_in_another_order_are_accepted_in_the_catalogs_order(catalog: Catalog) -> None:
    intent = service(catalog, owners="U456DEF")
    live = service_files(intent)["CODEOWNERS"].replace("U456DEF", "U456DEF U123ABC")
    proposal = propose(intent, [_change(FILE, "CODEOWNERS", "content", "x", live)], catalog)
    assert proposal.intent is not None and proposal.intent.params["owners"] == ("U123ABC", "U456DEF")


def test_codeowners_that_no_longer_parses_is_explained(catalog: Catalog) -> None:
    intent = service(catalog)
    change = _change(FILE, "CODEOWNERS", "content", "x", "* @someone-else @another\n")
    proposal = propose(intent, [change], catalog)
    assert proposal.intent is None and "no longer has the shape platformbot writes" in proposal.reasons[0]


def test_codeowners_with_other_edits_besides_owners_is_explained(catalog: Catalog) -> None:
    intent = service(catalog)
    live = service_files(service(catalog, owners="U123ABC,U456DEF"))["CODEOWNERS"] + "/docs @writers\n"
    proposal = propose(intent, [_change(FILE, "CODEOWNERS", "content", "x", live)], catalog)
    assert proposal.intent is None and "edits besides owners and team" in proposal.reasons[0]


def test_owners_that_are_not_slack_ids_are_refused_by_the_catalog(catalog: Catalog) -> None:
    intent = service(catalog)
    live = service_files(intent)["CODEOWNERS"].replace("U123ABC", "alice")
    proposal = propose(intent, [_change(FILE, "CODEOWNERS", "content", "x", live)], catalog)
    assert proposal.intent is None and "catalog refuses" in proposal.reasons[0]


def test_a_hand_edit_to_a_generated_file_is_explained(catalog: Catalog) -> None:
    proposal = propose(service(catalog), [_change(FILE, "README.md", "content", "a", "b")], catalog)
    assert proposal.intent is None and "generated from the service template" in proposal.reasons[0]


def test_labels_changed_by_hand_are_not_accepted_and_reconcile_or_transfer_is_named(catalog: Catalog) -> None:
    labels = {"team": "payments", "cost_centre": "CC-4711"}
    database = propose(
        postgres_intent(catalog),
        [_change(DATABASE, "database", "labels", labels, {**labels, "cost_centre": "CC-0"})],
        catalog,
    )
    repository = propose(
        service(catalog), [_change(FILE, ".platform/labels.json", "content", "{}", '{"team": "x"}')], catalog
    )
    for proposal, name in ((database, "database"), (repository, ".platform/labels.json")):
        assert proposal.intent is None
        (reason,) = proposal.reasons
        assert reason.startswith(f"The labels of `{name}` were changed by hand")
        assert "Reconcile writes them back" in reason and "transfer it" in reason
