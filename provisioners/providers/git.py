"""Dynamic providers for a scaffolded git repository and the files platformbot manages in it.

Every change is a commit on the default branch made with the git CLI and an explicit author, so
the history shows who did what; a file "drifts" when the default branch no longer holds the
content platformbot committed. Commits are serialised per repository with a file lock: the engine
creates the files in parallel and git allows one writer of the index at a time.

Labels: a repository's attribution lives in a checked-in file (the service program's
`.platform/labels.json`, one more RepoFile), so a hand edit of it is drift like any file's. Every
resource also carries the `labels` input (the plan-stage rules look for it), kept in the state
but never a reason to update or replace it: only the labels file's content is.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)
from pulumi.dynamic import ResourceProvider as _Base

from provisioners.providers.failure import ProviderFailure

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
AUTHOR_NAME_ENV = "PLATFORMBOT_GIT_AUTHOR_NAME"
AUTHOR_EMAIL_ENV = "PLATFORMBOT_GIT_AUTHOR_EMAIL"


def git(
    repo: Path, *args: str, author: Mapping[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run git in `repo` with a fixed identity and none of the caller's config (no signing, hooks)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repo),  # keeps ~/.gitconfig out
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": author["name"],
        "GIT_AUTHOR_EMAIL": author["email"],
        "GIT_COMMITTER_NAME": author["name"],
        "GIT_COMMITTER_EMAIL": author["email"],
        "LC_ALL": "C",
    }
    try:
        result = subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args],
            cwd=repo, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProviderFailure(f"could not run git in {repo.name}") from exc
    if check and result.returncode != 0:
        # git's own words go to the provider's stderr, which the engine logs; the user gets ours.
        print(f"git {' '.join(args)} in {repo}: {result.stderr.strip()}", file=sys.stderr)
        raise ProviderFailure(f"git {args[0]} failed in repository {repo.name}")
    return result


def _author() -> dict[str, str]:
    # The identity is operational configuration, not desired state: it comes from the runner's
    # environment so changing it never shows up as a change to every managed file.
    return {
        "name": os.environ.get(AUTHOR_NAME_ENV) or "platformbot",
        "email": os.environ.get(AUTHOR_EMAIL_ENV) or "platformbot@localhost",
    }


@contextmanager
def repo_lock(repo: Path) -> Iterator[None]:
    with open(repo / ".git" / "platformbot.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if news.get(k) == UNKNOWN or olds.get(k) != news.get(k)]


class RepositoryProvider(_Base):
    """A non-bare repository at `path` whose default branch starts with an empty commit."""

    KEYS = ("path", "default_branch", "labels")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        path = news.get("path")
        if not (isinstance(path, str) and os.path.isabs(path)):
            failures.append(CheckFailure("path", "must be an absolute path"))
        elif not olds and os.path.exists(path):
            # Caught at preview time, so a clash is refused before anyone approves it.
            failures.append(
                CheckFailure("path", f"{os.path.basename(path)} already exists under the git root")
            )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = _changed(olds, news, ("path", "default_branch"))
        return DiffResult(changes=bool(keys), replaces=keys)

    def create(self, props: dict[str, Any]) -> CreateResult:
        path, branch, author = Path(props["path"]), props["default_branch"], _author()
        if path.exists():
            raise ProviderFailure(f"{path.name} already exists under the git root; pick another name")
        path.mkdir(parents=True)
        try:
            git(path, "init", "--quiet", "--initial-branch", branch, author=author)
            git(
                path,
                "commit",
                "--quiet",
                "--allow-empty",
                "-m",
                "platformbot: initialise repository",
                author=author,
            )
        except ProviderFailure:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return CreateResult(str(path), {k: props[k] for k in self.KEYS if k in props})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = Path(id_)
        if not (path / ".git").is_dir():
            return ReadResult(None, {})
        return ReadResult(id_, {k: props[k] for k in self.KEYS if k in props})

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Every key of a repository forces a replacement, so the engine never asks for this.
        return UpdateResult({k: news[k] for k in self.KEYS if k in news})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        shutil.rmtree(id_, ignore_errors=True)


class FileProvider(_Base):
    """One file on the default branch of a repository created by RepositoryProvider."""

    KEYS = ("repository", "path", "content", "branch", "labels")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        rel = news.get("path")
        if not isinstance(rel, str) or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            failures.append(CheckFailure("path", "must be a relative path inside the repository"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = _changed(olds, news, ("repository", "path", "branch", "content"))
        return DiffResult(changes=bool(keys), replaces=[k for k in keys if k != "content"])

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._commit(props, f"platformbot: add {props['path']}")
        return CreateResult(
            f"{props['repository']}::{props['path']}", {k: props[k] for k in self.KEYS if k in props}
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        repo = Path(props["repository"])
        if not (repo / ".git").is_dir():
            return ReadResult(None, {})
        shown = git(repo, "show", f"{props['branch']}:{props['path']}", author=_author(), check=False)
        if shown.returncode != 0:
            return ReadResult(None, {})
        live = {**{k: props[k] for k in self.KEYS if k in props}, "content": shown.stdout}
        return ReadResult(id_, live, live)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._commit(news, f"platformbot: update {news['path']}")
        return UpdateResult({k: news[k] for k in self.KEYS if k in news})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        repo = Path(props["repository"])
        if not (repo / ".git").is_dir():
            return  # the repository went first: nothing left to remove
        with repo_lock(repo):
            self._on_branch(repo, props)
            if (repo / props["path"]).exists():
                author = _author()
                git(repo, "rm", "--quiet", "--", props["path"], author=author)
                git(repo, "commit", "--quiet", "-m", f"platformbot: remove {props['path']}", author=author)

    def _commit(self, props: Mapping[str, Any], message: str) -> None:
        repo, rel, author = Path(props["repository"]), props["path"], _author()
        if not (repo / ".git").is_dir():
            raise ProviderFailure(f"repository {repo.name} is missing")
        with repo_lock(repo):
            self._on_branch(repo, props)
            target = repo / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(props["content"], encoding="utf-8")
            git(repo, "add", "--", rel, author=author)
            staged = git(repo, "diff", "--cached", "--quiet", "--", rel, author=author, check=False)
            if staged.returncode != 0:  # nothing to commit when the branch already has this content
                git(repo, "commit", "--quiet", "-m", message, "--", rel, author=author)

    def _on_branch(self, repo: Path, props: Mapping[str, Any]) -> None:
        head = git(repo, "symbolic-ref", "--short", "HEAD", author=_author(), check=False).stdout.strip()
        if head != props["branch"]:
            raise ProviderFailure(
                f"{repo.name} has {head or 'a detached HEAD'} checked out, not {props['branch']}"
            )


class GitRepository(Resource, module="platformbot", name="GitRepository"):
    path: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(RepositoryProvider(), resource_name, props, opts)


class RepoFile(Resource, module="platformbot", name="RepoFile"):
    content: Any

    def __init__(self, resource_name: str, props: dict[str, Any], opts: Any = None) -> None:
        super().__init__(FileProvider(), resource_name, props, opts)
