"""`platformbot report` against a database holding the hand-built history."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.commands  # noqa: F401  (registers every sub-command, as main() does)
from bot.cli import app
from bot.store import Store
from tests.support.metrics_history import history, save

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PLATFORMBOT_CONFIG", raising=False)
    monkeypatch.setenv("PLATFORMBOT_DATA_DIR", str(tmp_path))
    return tmp_path


def test_report_prints_the_figures_and_writes_the_chart(data_dir: Path) -> None:
    store = Store.from_url(f"sqlite:///{data_dir / 'platformbot.sqlite3'}")
    save(store, history())
    store.dispose()
    out = data_dir / "chart.png"

    result = CliRunner().invoke(
        app, ["report", "--days", "28", "--until", "2026-11-30", "--out", str(out)], env={"COLUMNS": "160"}
    )

    assert result.exit_code == 0, result.output
    assert "Platform outcomes, last 28 days" in result.output
    assert "4.0 h median · 24.0 h p90" in result.output
    assert "Please add Redis" in result.output
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_report_without_a_database_says_where_it_looked(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["report"])

    assert result.exit_code == 2
    assert "no database at" in result.stderr
    assert not (data_dir / "platformbot.sqlite3").exists()
