"""redis-cache's program is pure: names, prefix, budget and availability come from the intent and
settings alone, before any engine runs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from platformbot_redis_cache import GOLDEN_PATH
from platformbot_redis_cache.program import USER_TYPE, cache_spec, connection_url, engine_env
from platformbot_redis_cache.provider import ADMIN_URL_ENV, acl_rules, server_label

from bot.cost.loader import load_price_book
from bot.cost.prices import BookPricing
from intents.intent import Intent
from provisioners.discovery import load
from provisioners.errors import InvalidParameters, ProgramUnavailable
from provisioners.settings import RunnerSettings


def settings(tmp_path: Path, url: str | None = "redis://:adminpw@cache.internal:6380/0") -> RunnerSettings:
    extra = {} if url is None else {"path_settings": {"redis-cache": {"admin_url": url}}}
    return RunnerSettings.model_validate(
        {"state_dir": tmp_path / "s", "work_dir": tmp_path / "w", "passphrase": "p", **extra}
    )


def intent(**params: str) -> Intent:
    return Intent(path="redis-cache", name="sessions", env="prod", params=params)


def test_a_cache_is_a_user_and_a_prefix_named_after_the_request(tmp_path: Path) -> None:
    spec = cache_spec(intent(size="large"), settings(tmp_path))
    assert (spec.user, spec.key_prefix, spec.memory_budget_mb) == ("sessions-prod", "sessions:prod:", 1024)
    assert (spec.server, spec.host, spec.port) == ("cache.internal:6380", "cache.internal", 6380)


def test_without_an_admin_url_the_path_is_unavailable_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ProgramUnavailable, match="path_settings"):
        cache_spec(intent(), settings(tmp_path, url=None))
    assert engine_env(settings(tmp_path, url=None)) == {}


def test_an_unknown_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameters, match="size `huge`"):
        cache_spec(intent(size="huge"), settings(tmp_path))


def test_the_admin_url_reaches_only_the_engine_environment(tmp_path: Path) -> None:
    assert engine_env(settings(tmp_path)) == {ADMIN_URL_ENV: "redis://:adminpw@cache.internal:6380/0"}
    assert "adminpw" not in repr(settings(tmp_path))
    assert server_label("redis://:adminpw@cache.internal:6380/0") == "cache.internal:6380"


def test_the_connection_url_quotes_the_password(tmp_path: Path) -> None:
    spec = cache_spec(intent(), settings(tmp_path))
    assert connection_url(spec, "a/b:c") == "redis://sessions-prod:a%2Fb%3Ac@cache.internal:6380/0"


def test_the_acl_starts_from_reset_and_confines_keys_and_channels_to_the_prefix() -> None:
    rules = acl_rules({"key_prefix": "sessions:prod:", "commands": "-@all +@read"}, "pw")
    assert rules == [
        "reset",
        "on",
        ">pw",
        "~sessions:prod:*",
        "resetchannels",
        "&sessions:prod:*",
        "-@all",
        "+@read",
    ]


def test_the_package_declaration_loads_with_its_catalog_entry_and_price_book() -> None:
    loaded = load(GOLDEN_PATH, "test", "0")
    assert loaded.entry.name == "redis-cache" and loaded.entry.aliases == ("redis",)
    assert GOLDEN_PATH.prices is not None
    pricing = BookPricing(load_price_book(GOLDEN_PATH.prices, known_paths={"redis-cache"}))
    prices = [pricing.monthly("redis-cache", USER_TYPE, {"memory_budget_mb": mb}) for mb in (64, 256, 1024)]
    assert prices == [Decimal(6), Decimal(20), Decimal(70)]
