"""`platformbot costs`: the showback table from the bot's database, budgets from the config."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import (
    app,
    commands,  # noqa: F401  (registers the sub-commands)
)
from bot.config import MANIFESTS
from bot.store import ResourceRow, Store, repository
from tests.support.store_rows import T0, request_row


def test_costs_prints_each_teams_spend_against_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    store = Store.from_url(url)
    with store.write() as session:
        row = repository.insert_request(
            session,
            request_row(stack_name="service-ledger-prod", state="succeeded", cost_monthly=Decimal(16)),
        )
        assert row.id is not None
        session.add(
            ResourceRow(
                stack_name="service-ledger-prod",
                path="service",
                owner_team="payments",
                created_by=row.id,
                request_id=row.id,
                created_at=T0,
                updated_at=T0,
            )
        )
    store.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLATFORMBOT_CONFIG", str(MANIFESTS / "config.example.yaml"))

    result = CliRunner().invoke(app, ["costs"])

    assert result.exit_code == 0, result.output
    (payments,) = [line for line in result.output.splitlines() if "payments" in line]
    assert "EUR 16" in payments and "EUR 500" in payments and "EUR 484" in payments
    assert "service-ledger-prod" in payments
    assert "all teams: EUR 16" in result.output
