"""Where the runner keeps state and finds its tools."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

# The CLI version scripts/install-pulumi.sh builds; it must match the `pulumi` Python package pin.
PULUMI_VERSION = "v3.259.0"


def pulumi_cache_bin_dir() -> Path:
    """The directory scripts/install-pulumi.sh builds into (and puts the dynamic-provider shim in)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "platformbot" / "pulumi" / PULUMI_VERSION / "bin"


def discover_pulumi_bin_dir() -> Path | None:
    """`pulumi` on PATH first, then the project cache; None when neither has it."""
    found = shutil.which("pulumi")
    if found:
        return Path(found).resolve().parent
    cached = pulumi_cache_bin_dir()
    if os.access(cached / "pulumi", os.X_OK):
        return cached
    return None


class RunnerSettings(BaseModel):
    """Everything the runner needs; nothing is read from the environment behind the caller's back.

    `postgres_admin_dsn` None makes postgres-database unavailable; `git_root` None makes service
    unavailable. Both programs say so with a ProgramUnavailable naming the missing setting.
    """

    model_config = ConfigDict(frozen=True)

    state_dir: Path
    work_dir: Path
    # Where Pulumi keeps state: None is the local directory `state_dir`; else a DIY backend URL
    # (`postgres://...`, `s3://...`) that every process shares. It may hold a password: a secret.
    backend_url: SecretStr | None = None
    passphrase: SecretStr
    pulumi_bin_dir: Path | None = None
    postgres_admin_dsn: SecretStr | None = None
    git_root: Path | None = None
    # Preview and apply read the live state first, so a plan shows (and an apply undoes) what was
    # changed by hand since the last apply; Reconcile relies on it.
    refresh: bool = True
    # How long a preview, apply or destroy waits for another operation of this process on the same
    # stack (a drift check) before giving up with StackBusy; drift checks never wait.
    busy_wait_seconds: float = 120.0
    # Settings of golden paths from packages, by path name (`redis-cache: {admin_url: ...}`): the
    # runner cannot know their keys, and they often hold credentials, so every value is secret.
    path_settings: dict[str, dict[str, SecretStr]] = Field(default_factory=dict)
    default_branch: str = "main"
    git_author_name: str = "platformbot"
    git_author_email: str = "platformbot@localhost"

    def backend(self) -> str:
        """The PULUMI_BACKEND_URL of every engine call."""
        if self.backend_url is not None:
            return self.backend_url.get_secret_value()
        return self.state_dir.resolve().as_uri()

    def resolved_pulumi_bin_dir(self) -> Path | None:
        return self.pulumi_bin_dir or discover_pulumi_bin_dir()

    def path_setting(self, path: str, key: str) -> str | None:
        """One setting of a golden path from a package, or None when it is not configured."""
        value = self.path_settings.get(path, {}).get(key)
        return None if value is None else value.get_secret_value()
