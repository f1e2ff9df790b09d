"""`platformbot costs [team|path] [--window] [--chart]` and `platformbot costs import FILE`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from tests.support.focus_files import charge, focus_csv
from tests.support.store_rows import request_row

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    store = Store.from_url(url)
    at = datetime.now(UTC) - timedelta(days=20)
    with store.write() as session:
        for stack, path, monthly in (
            ("service-ledger-prod", "service", "16"),
            ("postgres-database-billing-prod", "postgres-database", "125"),
        ):
            row = repository.insert_request(
                session,
                request_row(
                    stack_name=stack,
                    path=path,
                    state="succeeded",
                    cost_monthly=Decimal(monthly),
                    created_at=at,
                    finished_at=at,
                ),
            )
            assert row.id is not None
            session.add(
                ResourceRow(
                    stack_name=stack,
                    path=path,
                    owner_team="payments",
                    created_by=row.id,
                    request_id=row.id,
                    created_at=at,
                    updated_at=at,
                )
            )
    store.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLATFORMBOT_CONFIG", str(MANIFESTS / "config.example.yaml"))
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["costs", *args])
    return result.exit_code, result.stdout, result.stderr


def test_costs_of_a_golden_path_over_90_days_writes_the_trend_chart(database: str, tmp_path: Path) -> None:
    chart = tmp_path / "trend.png"

    code, out, err = run("postgres-database", "--window", "90d", "--chart", str(chart))

    assert code == 0, err
    assert "postgres-database: EUR 125" in out and "service-ledger-prod" not in out
    assert "weekly run-rate (last 90 days)" in out and "EUR 125" in out.split("weekly run-rate")[1]
    assert chart.read_bytes().startswith(PNG_MAGIC)


def test_a_word_that_is_no_team_or_path_and_a_bad_window_say_what_is_accepted(database: str) -> None:
    code, _out, err = run("paymnets")
    assert code == 2 and "no team or golden path `paymnets`" in err
    assert "a team (" in err and "payments" in err and "postgres-database" in err and "30d or 90d" in err
    code, _out, err = run("--window", "7d")
    assert code == 2 and "--window 7d" in err and "30d or 90d" in err


def test_costs_import_prints_estimate_against_actual_and_costs_shows_it(
    database: str, tmp_path: Path
) -> None:
    bill = tmp_path / "focus.csv"
    period = (datetime.now(UTC) - timedelta(days=5)).strftime("%Y-%m-01")
    bill.write_text(
        focus_csv(
            [
                charge("130", resource_id="postgres-database-billing-prod", period=period),
                charge("70", resource_id="vm-1", period=period),
            ]
        )
    )

    code, out, err = run("import", str(bill))

    assert code == 0, err
    assert "focus.csv, 2 rows" in out and "EUR 200, 65% attributed to a team" in out
    assert "team payments: EUR 130 billed, est." in out and "no team: EUR 70 billed, no estimate" in out
    code, out, _err = run()
    assert code == 0 and "Bill import #1" in out

    code, _out, err = run("import", str(bill))
    assert code == 1 and "already imported (import #1, focus.csv" in err


def test_a_bad_file_is_reported_line_by_line_and_nothing_is_imported(database: str, tmp_path: Path) -> None:
    bill = tmp_path / "bad.csv"
    bill.write_text(focus_csv([charge("1"), charge("1", tags="{oops"), charge("1,5")]))

    code, _out, err = run("import", str(bill))

    assert code == 1
    assert f"{bill}:3: Tags is not JSON" in err and f"{bill}:4: BilledCost `1,5` is not a number" in err
    assert "not imported (2 problems); nothing stored" in err
    code, out, _err = run()
    assert code == 0 and "Bill import" not in out
