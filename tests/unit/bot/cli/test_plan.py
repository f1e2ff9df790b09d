"""`platformbot plan` without an engine: the paths that must end in a message, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import bot.cli.commands  # noqa: F401  (registers every sub-command, as main() does)
import bot.cli.plan as plan_cli
from bot.cli import app


@pytest.fixture
def no_engine_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("PLATFORMBOT_POSTGRES_ADMIN_DSN", raising=False)
    return {
        "PLATFORMBOT_DATA_DIR": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "no-cache"),  # so no cached Pulumi CLI is found
        "PATH": "/usr/bin:/bin",
    }


def run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["plan", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_a_parse_error_prints_the_intents_message_and_exits_1(no_engine_env: dict[str, str]) -> None:
    code, out, err = run(["servise name=payments"], no_engine_env)
    assert code == 1 and out == ""
    assert "There is no golden path called `servise`. Did you mean `service`?" in err
    assert "Traceback" not in err


def test_postgres_without_an_admin_dsn_says_how_to_give_one(no_engine_env: dict[str, str]) -> None:
    code, _, err = run(["postgres-database name=billing env=staging"], no_engine_env)
    assert code == 1
    assert "--admin-dsn or PLATFORMBOT_POSTGRES_ADMIN_DSN" in err


def test_a_missing_pulumi_cli_says_how_to_install_it(no_engine_env: dict[str, str]) -> None:
    code, _, err = run(["service name=payments-api team=payments language=go owners=U123"], no_engine_env)
    assert code == 1
    assert "make setup" in err and "Traceback" not in err


def test_an_unexpected_failure_shows_no_exception_text(
    no_engine_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise ValueError("postgresql://admin:hunter2@db")

    monkeypatch.setattr(plan_cli, "make_plan", broken)
    code, _, err = run(["service name=x"], no_engine_env)
    assert code == 2
    assert "failed unexpectedly (ValueError)" in err and "hunter2" not in err
    assert "plan.log" in err
