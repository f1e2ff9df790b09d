"""service against the real engine and real git repositories, one stack for the arc:
preview -> up -> owners change -> drift from a hand-made commit -> destroy (tests run in order).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from intents.intent import Intent
from provisioners import Runner
from tests.support.pulumi import SettingsFactory

pytestmark = [pytest.mark.engine]

REPOSITORY = "pulumi-python:dynamic/platformbot:GitRepository"
FILE = "pulumi-python:dynamic/platformbot:RepoFile"
FILES = {
    "README.md",
    "CODEOWNERS",
    ".github/workflows/ci.yml",
    "infra/Pulumi.yaml",
    "infra/Pulumi.dev.yaml",
    "main.go",
    "go.mod",
    ".platform/labels.json",  # the repository's attribution labels, checked in
}


@dataclass
class Arc:
    runner: Runner
    intent: Intent
    repo: Path


@pytest.fixture(scope="module")
def arc(make_settings: SettingsFactory, tmp_path_factory: pytest.TempPathFactory) -> Arc:
    git_root = tmp_path_factory.mktemp("git-root")
    runner = Runner(make_settings(git_root=git_root, git_author_email="bot@platform.test"))
    params = {"team": "payments", "language": "go", "owners": ("U123", "U456")}
    return Arc(
        runner,
        Intent(path="service", name="payments-api", env="dev", params=params),
        git_root / "payments-api",
    )


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo),
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def test_preview_shows_a_repository_and_every_file_to_create(arc: Arc) -> None:
    plan = arc.runner.preview(arc.intent)
    assert plan.changes[0].type == REPOSITORY
    assert {c.name for c in plan.changes[1:]} == FILES
    assert all(c.op == "create" for c in plan.changes)
    # Only the repository is stateful: a file's delete is one more commit in its history.
    assert [c.stateful for c in plan.changes] == [True] + [False] * len(FILES)
    assert not arc.repo.exists()  # a preview touches nothing


def test_up_scaffolds_the_repository_with_one_commit_per_file(arc: Arc) -> None:
    result = arc.runner.up(arc.intent)
    assert result.outputs["repository"] == str(arc.repo)
    tracked = set(git(arc.repo, "ls-tree", "-r", "--name-only", "main").split())
    assert tracked == FILES
    authors = set(git(arc.repo, "log", "--format=%an <%ae>").splitlines())
    assert authors == {"platformbot <bot@platform.test>"}
    assert "* @payments" in (arc.repo / "CODEOWNERS").read_text()


def test_an_owners_change_previews_as_an_update_of_codeowners_only(arc: Arc) -> None:
    fewer = arc.intent.model_copy(update={"params": {**arc.intent.params, "owners": ("U123",)}})
    plan = arc.runner.preview(fewer)
    (change,) = plan.changes
    assert (change.type, change.name, change.op, change.keys) == (FILE, "CODEOWNERS", "update", ("content",))
    assert "-# Slack owners: U123 U456" in plan.render_text()
    assert plan.unchanged == len(FILES)


def test_a_hand_made_commit_to_codeowners_shows_as_drift(arc: Arc) -> None:
    assert not arc.runner.drift(arc.intent).has_drift
    (arc.repo / "CODEOWNERS").write_text("* @someone-else\n")
    git(arc.repo, "-c", "user.name=Dev", "-c", "user.email=dev@x", "commit", "-qam", "take ownership")
    report = arc.runner.drift(arc.intent)
    (change,) = report.changes
    assert (change.name, change.op, change.keys) == ("CODEOWNERS", "update", ("content",))
    assert change.after == {"content": "* @someone-else\n"}
    assert "+* @someone-else" in report.render_text()


def test_destroy_removes_the_repository_and_the_stack(arc: Arc) -> None:
    assert [s.name for s in arc.runner.list_stacks()] == ["service.payments-api.dev"]
    arc.runner.destroy(arc.intent)
    assert not arc.repo.exists()
    assert arc.runner.list_stacks() == []
