"""Runner behaviour that needs no engine; the engine arcs are in tests/integration/provisioners."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from intents.intent import Intent
from provisioners.errors import EngineUnavailable, InvalidParameters, ProgramUnavailable, StackBusy
from provisioners.runner import Runner, _hold
from provisioners.settings import RunnerSettings


def runner(tmp_path: Path, **over: object) -> Runner:
    values: dict[str, object] = {
        "state_dir": tmp_path / "state",
        "work_dir": tmp_path / "work",
        "passphrase": "pp",
        "git_root": tmp_path / "git",
        **over,
    }
    return Runner(RunnerSettings.model_validate(values))


SERVICE = Intent(
    path="service", name="payments-api", env="dev", params={"team": "payments", "language": "go"}
)


def test_stack_names_are_path_name_and_env(tmp_path: Path) -> None:
    assert runner(tmp_path).stack_name(SERVICE) == "service.payments-api.dev"


def test_a_stack_name_part_with_odd_characters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameters, match="cannot name a stack"):
        runner(tmp_path).stack_name(SERVICE.model_copy(update={"name": "a.b"}))


def test_an_unknown_golden_path_has_no_program(tmp_path: Path) -> None:
    with pytest.raises(ProgramUnavailable, match="redis"):
        runner(tmp_path).preview(Intent(path="redis", name="cache", env="dev"))


def test_the_catalog_program_field_picks_the_program(tmp_path: Path) -> None:
    r = Runner(runner(tmp_path).settings, program_for_path={"svc-v2": "service"})
    assert r.program_for(SERVICE.model_copy(update={"path": "svc-v2"})).name == "service"


def test_a_second_operation_on_a_busy_stack_is_refused_when_it_may_not_wait(tmp_path: Path) -> None:
    r = runner(tmp_path, busy_wait_seconds=0)
    with _hold(r.settings.state_dir, "service.payments-api.dev"), pytest.raises(StackBusy) as caught:
        r.preview(SERVICE)
    assert "service.payments-api.dev" in caught.value.message


def test_the_stack_lock_is_released_after_a_failure(tmp_path: Path) -> None:
    r = runner(tmp_path, pulumi_bin_dir=tmp_path / "no-cli")
    for _ in range(2):  # the second call would be StackBusy if the first kept the lock
        with pytest.raises(EngineUnavailable):
            r.preview(SERVICE)


def test_locks_are_per_stack(tmp_path: Path) -> None:
    state = tmp_path / "state"
    entered = threading.Event()
    with _hold(state, "a"):
        with _hold(state, "b"):
            entered.set()
    assert entered.is_set()
