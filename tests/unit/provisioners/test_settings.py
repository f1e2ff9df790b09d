from __future__ import annotations

from pathlib import Path

import pytest

from provisioners.settings import (
    PULUMI_VERSION,
    RunnerSettings,
    discover_pulumi_bin_dir,
    pulumi_cache_bin_dir,
)


def test_the_cache_dir_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pulumi_cache_bin_dir() == tmp_path / "platformbot" / "pulumi" / PULUMI_VERSION / "bin"


def test_discovery_prefers_path_then_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    on_path, cache = tmp_path / "onpath", tmp_path / "platformbot" / "pulumi" / PULUMI_VERSION / "bin"
    for d in (on_path, cache):
        d.mkdir(parents=True)
        (d / "pulumi").write_text("#!/bin/sh\n")
        (d / "pulumi").chmod(0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(on_path))
    assert discover_pulumi_bin_dir() == on_path
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert discover_pulumi_bin_dir() == cache


def test_secrets_do_not_show_in_the_settings_repr(tmp_path: Path) -> None:
    s = RunnerSettings(
        state_dir=tmp_path,
        work_dir=tmp_path,
        passphrase="pp-secret",
        postgres_admin_dsn="postgresql://a:pw@h/d",
    )
    assert "pp-secret" not in repr(s) and "pw@h" not in repr(s)
