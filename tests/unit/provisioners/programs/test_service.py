from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.automation import EngineEvent

from intents.intent import Intent
from provisioners.changes import EventCollector
from provisioners.errors import InvalidParameters, ProgramUnavailable
from provisioners.labels import Labels
from provisioners.programs import PROGRAMS
from provisioners.programs.service import FILE_TYPE, REPOSITORY_TYPE, declare, repository_path, service_files
from provisioners.settings import RunnerSettings
from tests.support.pulumi_mocks import RecordingMocks

LABELS = Labels(
    golden_path="service", environment="dev", team="payments", request_id="PB-3", requester="U123"
)


def settings(git_root: Path | None = Path("/srv/git")) -> RunnerSettings:
    return RunnerSettings(
        state_dir=Path("/x/state"), work_dir=Path("/x/work"), passphrase="x", git_root=git_root
    )


def intent(**params: Any) -> Intent:
    values: dict[str, Any] = {"team": "payments", "language": "python", "owners": ("U123", "U456"), **params}
    return Intent(path="service", name="payments-api", env="dev", params=values)


@pytest.mark.parametrize(
    ("language", "app_files"),
    [
        ("python", {"app.py", "requirements.txt"}),
        ("go", {"main.go", "go.mod"}),
        ("node", {"index.js", "package.json"}),
    ],
)
def test_each_language_gets_the_common_files_and_its_hello_world(language: str, app_files: set[str]) -> None:
    files = service_files(intent(language=language))
    common = {
        "README.md",
        "CODEOWNERS",
        ".github/workflows/ci.yml",
        "infra/Pulumi.yaml",
        "infra/Pulumi.dev.yaml",
    }
    assert set(files) == common | app_files
    assert all(content.endswith("\n") for content in files.values())


def test_codeowners_names_the_team_and_the_slack_owners() -> None:
    codeowners = service_files(intent())["CODEOWNERS"]
    assert "* @payments" in codeowners
    assert "U123 U456" in codeowners


def test_generated_yaml_files_parse() -> None:
    files = service_files(intent(language="go"))
    workflow = yaml.safe_load(files[".github/workflows/ci.yml"])
    assert workflow["jobs"]["test"]["steps"][0]["uses"] == "actions/checkout@v4"
    assert yaml.safe_load(files["infra/Pulumi.dev.yaml"])["config"]["payments-api:team"] == "payments"
    assert yaml.safe_load(files["infra/Pulumi.yaml"])["name"] == "payments-api"


def test_rendering_is_deterministic() -> None:
    assert service_files(intent()) == service_files(intent())


def test_the_hello_world_python_app_compiles() -> None:
    compile(service_files(intent())["app.py"], "app.py", "exec")


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidParameters, match="cobol"):
        service_files(intent(language="cobol"))


def test_without_a_git_root_the_program_is_unavailable() -> None:
    with pytest.raises(ProgramUnavailable, match="git root"):
        PROGRAMS["service"].build(intent(), settings(None), LABELS)


def test_the_repository_goes_under_the_git_root_named_after_the_service() -> None:
    assert repository_path(intent(), settings()) == Path("/srv/git/payments-api")


def test_the_git_identity_reaches_the_providers_through_the_environment() -> None:
    env = PROGRAMS["service"].engine_env(settings())
    assert env == {
        "PLATFORMBOT_GIT_AUTHOR_NAME": "platformbot",
        "PLATFORMBOT_GIT_AUTHOR_EMAIL": "platformbot@localhost",
    }


@pulumi.runtime.test
def test_program_declares_a_repository_and_one_resource_per_file(mocks: RecordingMocks) -> pulumi.Output[Any]:
    files = service_files(intent())
    repo, made = declare(Path("/srv/git/payments-api"), files, "main", LABELS)

    def check(paths: list[Any]) -> None:
        (repository,) = mocks.by_type(":GitRepository")
        assert repository.typ == REPOSITORY_TYPE
        assert repository.inputs["path"] == "/srv/git/payments-api"
        recorded = mocks.by_type(":RepoFile")
        assert {r.typ for r in recorded} == {FILE_TYPE}
        assert sorted(r.name for r in recorded) == sorted(files)
        for r in recorded:
            assert r.inputs["content"] == files[r.name]
            assert r.inputs["branch"] == "main"
            assert r.inputs["repository"] == "/srv/git/payments-api"
        assert paths[0] == "/srv/git/payments-api"

    return pulumi.Output.all(repo.path, *[f.content for f in made]).apply(check)


def test_the_repository_is_stateful_and_its_files_are_not() -> None:
    assert PROGRAMS["service"].stateful_types == {REPOSITORY_TYPE}
    assert FILE_TYPE not in PROGRAMS["service"].stateful_types
    assert PROGRAMS["postgres-database"].stateful_types  # a database and its role are


def test_destroying_a_service_deletes_one_stateful_resource_the_repository() -> None:
    program = PROGRAMS["service"]
    collector = EventCollector(
        "service.payments-api.dev", type_order=program.resource_types, stateful_types=program.stateful_types
    )
    resources = [(REPOSITORY_TYPE, "repository"), (FILE_TYPE, "README.md"), (FILE_TYPE, ".github/ci.yml")]
    for type_, name in resources:
        urn = f"urn:pulumi:service.payments-api.dev::service::{type_}::{name}"
        old = {"type": type_, "urn": urn, "inputs": {"path": name}, "outputs": {"path": name}}
        meta = {"op": "delete", "urn": urn, "type": type_, "provider": "", "old": old}
        collector(
            EngineEvent.from_json({"sequence": 1, "timestamp": 0, "resourcePreEvent": {"metadata": meta}})
        )

    changes = collector.plan().changes

    assert sorted((c.name, c.stateful) for c in changes) == [
        (".github/ci.yml", False),
        ("README.md", False),
        ("repository", True),
    ]
