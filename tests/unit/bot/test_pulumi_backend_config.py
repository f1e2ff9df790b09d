"""`pulumi.backend_url` in the config: shared Pulumi state for many processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import runner_settings_for
from bot.config import ConfigError, Settings, load_app_config


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "pp")


def _write(tmp_path: Path, pulumi: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"channels: {{requests: C0REQ}}\npulumi: {pulumi}\n")
    return path


def test_a_postgres_backend_url_reaches_the_runner_and_its_engine(tmp_path: Path) -> None:
    url = "postgres://pulumi:s3cret@db.internal:5432/pulumi_state?sslmode=require"
    config = load_app_config(_write(tmp_path, f"{{backend_url: '{url}'}}"))
    settings = runner_settings_for(Settings(platformbot_data_dir=tmp_path / "data"), config)
    assert settings.backend() == url
    assert "s3cret" not in repr(settings)  # a secret: it never prints by accident


def test_without_a_backend_url_the_state_is_the_local_directory(tmp_path: Path) -> None:
    config = load_app_config(_write(tmp_path, "{}"))
    settings = runner_settings_for(Settings(platformbot_data_dir=tmp_path / "data"), config)
    assert settings.backend() == (tmp_path / "data" / "pulumi-state").resolve().as_uri()


def test_an_unknown_backend_scheme_is_refused_without_echoing_the_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="postgres://") as caught:
        load_app_config(_write(tmp_path, "{backend_url: 'mysql://root:hunter2@db/state'}"))
    assert "hunter2" not in str(caught.value)
