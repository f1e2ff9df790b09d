"""rabbitmq-vhost's package files as the bot loads them: its rules join the default rulebook and
pass their own rule tests, its prices load and price every size, and it is unavailable (naming
the settings) where the broker is not configured. No server or engine needed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.cost.loader import load_price_book
from bot.cost.prices import BookPricing
from intents import parse_intent
from provisioners import discover
from provisioners.errors import ProgramUnavailable
from provisioners.golden_path import LoadedPath
from provisioners.labels import Labels
from provisioners.settings import RunnerSettings
from rulebook import DEFAULT_RULEBOOK_PATH, load_rulebook
from rulebook.testing import run_rule_tests

VHOST = "pulumi-python:dynamic/platformbot:RabbitVhost"
USER = "pulumi-python:dynamic/platformbot:RabbitVhostUser"


@pytest.fixture(scope="module")
def loaded() -> LoadedPath:
    found = discover().find("rabbitmq-vhost")
    assert found is not None, "platformbot-rabbitmq-vhost is not installed: run `make setup`"
    return found


def test_the_rule_fragment_joins_the_default_rulebook_and_passes_its_rule_tests(loaded: LoadedPath) -> None:
    registry = discover()
    assert loaded.path.rules is not None and loaded.path.rule_tests is not None
    book = load_rulebook(
        DEFAULT_RULEBOOK_PATH, known_groups={"security", "oncall", "finance"}, fragments=[loaded.path.rules]
    )
    catalog = registry.catalog()
    report = run_rule_tests(book, [loaded.path.rule_tests], parse_intent=lambda t: parse_intent(t, catalog))
    assert [(r.name, r.details) for r in report.results if not r.passed] == []
    assert report.ok and len(report.results) == 5
    own = {"rabbitmq-large-in-prod-needs-oncall", "rabbitmq-large-outside-prod-is-denied"}
    assert own <= {r.id for r in book.rules}
    assert not own & set(report.untested_rules)


def test_every_size_has_a_price_and_the_user_costs_nothing(loaded: LoadedPath) -> None:
    assert loaded.path.prices is not None
    pricing = BookPricing(load_price_book(loaded.path.prices, known_paths=["rabbitmq-vhost"]))
    monthly = {
        size: pricing.monthly("rabbitmq-vhost", VHOST, {"max_connections": connections})
        for size, connections in {"small": 10, "medium": 50, "large": 200}.items()
    }
    assert monthly == {"small": Decimal(8), "medium": Decimal(30), "large": Decimal(95)}
    assert pricing.monthly("rabbitmq-vhost", USER, {}) == Decimal(0)


def test_without_its_settings_the_path_is_unavailable_and_says_which(
    loaded: LoadedPath, tmp_path: Path
) -> None:
    settings = RunnerSettings(state_dir=tmp_path / "s", work_dir=tmp_path / "w", passphrase="x")
    reason = discover().unavailable(settings)["rabbitmq-vhost"]
    assert reason == (
        "its setting `admin_url`, `amqp_url` is not configured (config `paths: {rabbitmq-vhost: ...}`)"
    )
    intent = parse_intent(loaded.path.example or "", discover().catalog())
    with pytest.raises(ProgramUnavailable, match="no `admin_url` is configured"):
        loaded.path.program.build(intent, settings, Labels.for_intent(intent))
