"""The git providers against real repositories in a temporary directory (git CLI, no engine)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from provisioners.providers.failure import ProviderFailure
from provisioners.providers.git import AUTHOR_EMAIL_ENV, AUTHOR_NAME_ENV, FileProvider, RepositoryProvider


@pytest.fixture(autouse=True)
def identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTHOR_NAME_ENV, "platformbot test")
    monkeypatch.setenv(AUTHOR_EMAIL_ENV, "bot@example.test")


def log(repo: Path) -> list[str]:
    out = subprocess.run(["git", "log", "--format=%an <%ae> %s"], cwd=repo, capture_output=True, text=True)
    return out.stdout.splitlines()


def make_repo(tmp_path: Path) -> Path:
    path = tmp_path / "svc"
    RepositoryProvider().create({"path": str(path), "default_branch": "main"})
    return path


def file_props(repo: Path, content: str = "* @payments\n") -> dict[str, str]:
    return {"repository": str(repo), "path": "CODEOWNERS", "content": content, "branch": "main"}


def test_a_new_repository_has_one_empty_commit_by_the_configured_author(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert log(repo) == ["platformbot test <bot@example.test> platformbot: initialise repository"]


def test_an_existing_directory_is_never_taken_over(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    with pytest.raises(ProviderFailure, match="already exists"):
        RepositoryProvider().create({"path": str(tmp_path / "svc"), "default_branch": "main"})


def test_a_clash_is_caught_by_check_before_a_create(tmp_path: Path) -> None:
    make_repo(tmp_path)
    props = {"path": str(tmp_path / "svc"), "default_branch": "main"}
    assert [f.property for f in RepositoryProvider().check({}, props).failures] == ["path"]
    assert RepositoryProvider().check(dict(props), props).failures == []  # the repository's own path


def test_files_are_committed_and_read_back_from_the_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    provider = FileProvider()
    created = provider.create(file_props(repo))
    assert log(repo)[0].endswith("platformbot: add CODEOWNERS")
    read = provider.read(created.id, file_props(repo))
    assert read.id == created.id and read.outs is not None and read.outs["content"] == "* @payments\n"


def test_a_hand_made_commit_is_what_read_returns(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    provider = FileProvider()
    created = provider.create(file_props(repo))
    (repo / "CODEOWNERS").write_text("* @someone\n")
    subprocess.run(
        ["git", "-c", "user.name=h", "-c", "user.email=h@x", "commit", "-qam", "edit"], cwd=repo, check=True
    )
    read = provider.read(created.id, file_props(repo))
    assert read.outs is not None and read.outs["content"] == "* @someone\n"


def test_a_file_removed_from_the_branch_reads_as_gone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    provider = FileProvider()
    created = provider.create(file_props(repo))
    provider.delete(created.id, file_props(repo))
    assert not (repo / "CODEOWNERS").exists()
    assert provider.read(created.id, file_props(repo)).id is None


def test_update_commits_only_a_real_change(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    provider = FileProvider()
    provider.create(file_props(repo))
    provider.update("id", file_props(repo), file_props(repo))
    provider.update("id", file_props(repo), file_props(repo, "* @payments @security\n"))
    assert [line.split("> ", 1)[1] for line in log(repo)] == [
        "platformbot: update CODEOWNERS",
        "platformbot: add CODEOWNERS",
        "platformbot: initialise repository",
    ]


def test_a_content_change_is_an_update_and_a_path_change_a_replacement() -> None:
    old = {"repository": "/r", "path": "README.md", "content": "a", "branch": "main"}
    assert FileProvider().diff("id", old, {**old, "content": "b"}).replaces == []
    assert FileProvider().diff("id", old, {**old, "path": "README"}).replaces == ["path"]
    assert FileProvider().diff("id", old, dict(old)).changes is False


def test_paths_outside_the_repository_are_refused() -> None:
    props = {"repository": "/r", "path": "../etc/passwd", "content": "x", "branch": "main"}
    assert [f.property for f in FileProvider().check({}, props).failures] == ["path"]


def test_a_repository_on_another_branch_is_left_alone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    subprocess.run(["git", "checkout", "-qb", "feature"], cwd=repo, check=True)
    with pytest.raises(ProviderFailure, match="feature checked out"):
        FileProvider().create(file_props(repo))


def _for(request_id: str, path: Path) -> dict[str, object]:
    return {"path": str(path), "default_branch": "main", "labels": {"request_id": request_id}}


def test_a_repository_an_interrupted_apply_left_is_adopted_by_that_requests_resume(tmp_path: Path) -> None:
    # The apply that created it was killed before Pulumi recorded it: the state has no repository.
    first = RepositoryProvider().create(_for("PB-7", tmp_path / "svc"))

    resumed = _for("PB-7", tmp_path / "svc")
    assert RepositoryProvider().check({}, resumed).failures == []
    again = RepositoryProvider().create(resumed)

    assert again.id == first.id
    assert log(tmp_path / "svc") == ["platformbot test <bot@example.test> platformbot: initialise repository"]


def test_another_requests_repository_is_not_adopted(tmp_path: Path) -> None:
    RepositoryProvider().create(_for("PB-7", tmp_path / "svc"))

    other = _for("PB-8", tmp_path / "svc")
    assert [f.property for f in RepositoryProvider().check({}, other).failures] == ["path"]
    with pytest.raises(ProviderFailure, match="already exists"):
        RepositoryProvider().create(other)


def test_a_repository_is_only_ever_seen_whole_and_its_draft_does_not_stay(tmp_path: Path) -> None:
    RepositoryProvider().create(_for("PB-7", tmp_path / "svc"))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]
    assert (tmp_path / "svc" / ".git").is_dir()


def test_an_index_lock_left_by_a_killed_git_does_not_stop_the_next_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    # What a writer SIGKILLed inside `git add` leaves: every later git write fails on it.
    (repo / ".git" / "index.lock").write_text("")

    FileProvider().create(file_props(repo))

    assert log(repo)[0].endswith("platformbot: add CODEOWNERS")
    assert not (repo / ".git" / "index.lock").exists()
