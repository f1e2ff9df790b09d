"""`leases:` in the config: how long a stack lease lives unrenewed and how often it is renewed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import MANIFESTS, ConfigError, load_app_config


def test_lease_times_are_read_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("channels: {requests: C0REQ}\nleases: {ttl_seconds: 12, renew_seconds: 4}\n")
    leases = load_app_config(path).leases
    assert leases.ttl == timedelta(seconds=12) and leases.renew_every == timedelta(seconds=4)


def test_a_lease_renewed_no_sooner_than_it_runs_out_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("channels: {requests: C0REQ}\nleases: {ttl_seconds: 10, renew_seconds: 10}\n")
    with pytest.raises(ConfigError, match="renew_seconds must be less than leases.ttl_seconds"):
        load_app_config(path)


def test_the_example_config_keeps_the_default_lease_times() -> None:
    leases = load_app_config(MANIFESTS / "config.example.yaml").leases
    assert (leases.ttl_seconds, leases.renew_seconds) == (30, 10)
