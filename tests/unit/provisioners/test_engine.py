from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from pulumi.automation import errors as auto_errors
from pulumi.automation._cmd import CommandResult

from provisioners.engine import engine_env, failure_message, pulumi_command, translated
from provisioners.errors import EngineError, EngineUnavailable, StackBusy, StackNotFound
from provisioners.settings import RunnerSettings

STDERR = "error: connection to postgresql://admin:hunter2@db failed\npanic: goroutine 1 [running]"


def settings(tmp_path: Path, **over: object) -> RunnerSettings:
    values: dict[str, object] = {
        "state_dir": tmp_path / "state",
        "work_dir": tmp_path / "work",
        "passphrase": "pp",
    }
    return RunnerSettings.model_validate({**values, **over})


def result(stderr: str = STDERR, stdout: str = "") -> CommandResult:
    return CommandResult(stdout=stdout, stderr=stderr, code=1)


def test_a_locked_stack_is_stack_busy() -> None:
    locked = result("error: the stack is currently locked by 1 lock(s)")
    with pytest.raises(StackBusy) as caught, translated("update", "s"):
        raise auto_errors.create_command_error(locked)
    assert caught.value.stack == "s"


def test_a_missing_stack_is_stack_not_found() -> None:
    with pytest.raises(StackNotFound), translated("drift check", "s"):
        raise auto_errors.create_command_error(result("error: no stack named 's' found"))


def test_a_command_error_becomes_an_engine_error_without_its_stderr(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="provisioners.engine")
    with pytest.raises(EngineError) as caught, translated("update", "pg.billing.dev"):
        raise auto_errors.create_command_error(result())
    message = caught.value.message
    assert message.startswith("The update of stack `pg.billing.dev` failed in the Pulumi engine;")
    assert message.endswith("details are in the platformbot log.")
    assert "hunter2" not in message and "goroutine" not in message
    assert "goroutine" in caplog.text  # the whole output is in the log for whoever debugs it
    assert "hunter2" not in caplog.text and "postgresql://admin:***@db" in caplog.text  # but no password
    assert (caught.value.operation, caught.value.stack) == ("update", "pg.billing.dev")


def test_a_provider_failure_message_is_shown_to_the_user() -> None:
    diagnostics = ["  error: Exception calling application: platformbot: role billing_owner already exists\n"]
    with pytest.raises(EngineError) as caught, translated("update", "s", diagnostics):
        raise auto_errors.create_command_error(result())
    assert caught.value.message == "The update of stack `s` failed: role billing_owner already exists"


def test_a_provider_refusal_is_one_warning_line_not_an_engine_error_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="provisioners.engine")
    check = (
        "error: pulumi-python:dynamic/platformbot:GitRepository resource 'repository': property path "
        "value {/srv/repos/paybook} has a problem: paybook already exists under the git root"
    )
    with pytest.raises(EngineError) as caught, translated("preview", "service.paybook.dev", [check]):
        raise auto_errors.create_command_error(result())
    assert caught.value.refused
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == (
        "pulumi preview refused for stack service.paybook.dev: "
        "repository: paybook already exists under the git root"
    )


def test_an_engine_failure_without_a_provider_reason_is_not_a_refusal() -> None:
    with pytest.raises(EngineError) as caught, translated("update", "s"):
        raise auto_errors.create_command_error(result())
    assert not caught.value.refused


def test_a_check_failure_is_shown_with_its_resource() -> None:
    text = (
        "error: pulumi-python:dynamic/platformbot:PostgresDatabase resource 'database' "
        "has a problem: not allowed: plperlu"
    )
    assert (
        failure_message("preview", "s", [text])
        == "The preview of stack `s` failed: database: not allowed: plperlu"
    )


def test_the_sdk_runtime_error_is_an_engine_error() -> None:
    with pytest.raises(EngineError), translated("preview", "s"):
        raise RuntimeError("summary event never found")


def test_a_missing_cli_is_engine_unavailable_with_install_advice(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    with pytest.raises(EngineUnavailable, match="make setup"):
        pulumi_command(settings(tmp_path, pulumi_bin_dir=empty))


def test_a_broken_cli_is_engine_unavailable(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(EngineUnavailable):
        pulumi_command(settings(tmp_path, pulumi_bin_dir=bin_dir))


def test_engine_env_sets_backend_secrets_python_and_path(tmp_path: Path) -> None:
    env = engine_env(settings(tmp_path), tmp_path / "bin", {"EXTRA": "1"})
    assert env["PULUMI_BACKEND_URL"] == (tmp_path / "state").resolve().as_uri()
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "pp"
    assert env["PULUMI_SKIP_UPDATE_CHECK"] == "true"
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path / "bin")
    assert os.path.isabs(env["PULUMI_PYTHON_CMD"])
    assert env["EXTRA"] == "1"
