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
import tempfile
import time
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


# How long a `.git/index.lock` found under our lock may belong to a live git (a person's commit
# by hand takes milliseconds) before it is taken for a dead writer's.
STALE_INDEX_LOCK_SECONDS = 2.0


@contextmanager
def repo_lock(repo: Path) -> Iterator[None]:
    """The repository to ourselves: platformbot's writers take this flock (the kernel lets go of it
    when its holder dies), then clear an index.lock a killed writer left behind."""
    with open(repo / ".git" / "platformbot.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            _clear_stale_index_lock(repo)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clear_stale_index_lock(repo: Path) -> None:
    """A process SIGKILLed inside `git add` or `git commit` leaves `.git/index.lock`, and every later
    git write fails on it ("File exists"): the resumed apply could never converge. No writer of
    ours holds it (we hold the flock); a live git of someone else's lets go within moments."""
    index_lock = repo / ".git" / "index.lock"
    deadline = time.monotonic() + STALE_INDEX_LOCK_SECONDS
    while index_lock.exists():
        if time.monotonic() > deadline:
            print(f"removing {index_lock}: left by a git that stopped", file=sys.stderr)
            index_lock.unlink(missing_ok=True)
            return
        time.sleep(0.05)


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [k for k in keys if news.get(k) == UNKNOWN or olds.get(k) != news.get(k)]


# The request a repository this provider created was made for, as git config in the repository,
# written before the repository is moved into place (so it never exists without it). An apply
# killed after the create but before Pulumi recorded it leaves such a repository behind; the
# resumed apply of the same request adopts it instead of failing on the name. Anything else at
# the path (a hand-made directory, another request's repository, one made outside any request)
# is still refused.
CREATED_FOR = "platformbot.createdfor"


def _created_for(props: Mapping[str, Any]) -> str:
    labels = props.get("labels")
    request_id = labels.get("request_id") if isinstance(labels, Mapping) else None
    return request_id if isinstance(request_id, str) and request_id != UNKNOWN else ""


def _left_by_this_request(path: Path, props: Mapping[str, Any]) -> bool:
    wanted = _created_for(props)
    if not wanted or not (path / ".git").is_dir():
        return False
    mark = git(path, "config", "--local", "--get", CREATED_FOR, author=_author(), check=False)
    return mark.returncode == 0 and mark.stdout.strip() == wanted


class RepositoryProvider(_Base):
    """A non-bare repository at `path` whose default branch starts with an empty commit."""

    KEYS = ("path", "default_branch", "labels")

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        path = news.get("path")
        if not (isinstance(path, str) and os.path.isabs(path)):
            failures.append(CheckFailure("path", "must be an absolute path"))
        elif not olds and os.path.exists(path) and not _left_by_this_request(Path(path), news):
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
        outs = {k: props[k] for k in self.KEYS if k in props}
        if _left_by_this_request(path, props):
            return CreateResult(str(path), outs)  # an interrupted apply's: adopted
        if path.exists():
            raise ProviderFailure(f"{path.name} already exists under the git root; pick another name")
        # Built beside its place and renamed into it: a kill part-way leaves only the hidden draft.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = Path(tempfile.mkdtemp(prefix=f".{path.name}.creating-", dir=path.parent))
        try:
            git(draft, "init", "--quiet", "--initial-branch", branch, author=author)
            git(draft, "config", "--local", CREATED_FOR, _created_for(props), author=author)
            git(
                draft,
                "commit",
                "--quiet",
                "--allow-empty",
                "-m",
                "platformbot: initialise repository",
                author=author,
            )
            os.rename(draft, path)
        except (ProviderFailure, OSError) as exc:
            shutil.rmtree(draft, ignore_errors=True)
            if isinstance(exc, OSError):
                raise ProviderFailure(
                    f"{path.name} already exists under the git root; pick another name"
                ) from exc
            raise
        return CreateResult(str(path), outs)

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
