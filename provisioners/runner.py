"""Runs golden-path programs with the Pulumi Automation API: inline programs, a local file backend,
passphrase secrets, one stack per intent.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pulumi import automation as auto

from intents.intent import Intent
from provisioners.changes import EventCollector
from provisioners.engine import engine_env, pulumi_command, translated
from provisioners.errors import InvalidParameters, ProgramUnavailable, StackBusy, StackNotFound
from provisioners.labels import Labels
from provisioners.plan import ApplyResult, DestroyResult, DriftReport, Plan, Progress, StackInfo
from provisioners.programs import PROGRAMS, GoldenPathProgram
from provisioners.settings import RunnerSettings
from provisioners.state_backend import is_postgres_backend, prepare_postgres_backend

log = logging.getLogger("provisioners.runner")

STACK_PART = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
T = TypeVar("T")

# One lock per (state dir, stack) for the whole process: two Runner objects over the same state
# must not run two operations on one stack either. Other processes are kept out by the file
# backend's own lock, which surfaces as ConcurrentUpdateError -> StackBusy.
_STACK_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_STACK_LOCKS_GUARD = threading.Lock()


@contextmanager
def _hold(state_dir: Path, stack: str, wait: float = 0.0) -> Iterator[None]:
    """`wait` > 0 waits that long for the stack: a drift check holds it for seconds, and a
    user's preview or apply should wait that out rather than fail."""
    with _STACK_LOCKS_GUARD:
        lock = _STACK_LOCKS.setdefault((str(state_dir.resolve()), stack), threading.Lock())
    acquired = lock.acquire(timeout=wait) if wait > 0 else lock.acquire(blocking=False)
    if not acquired:
        raise StackBusy(stack)
    try:
        yield
    finally:
        lock.release()


class Runner:
    """Preview, apply, check drift of and destroy the stack behind an intent.

    `program_for_path` maps golden-path names to program names (the catalog's `program` field);
    a path missing from it is looked up in `programs` under its own name.

    `labels` (preview, up): the attribution the program puts on every resource; without it (a
    preview outside any request) the resources carry only their golden path and environment.
    Refresh, drift checks and destroys read what the state holds and need none.
    """

    def __init__(
        self,
        settings: RunnerSettings,
        *,
        programs: Mapping[str, GoldenPathProgram] | None = None,
        program_for_path: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self._programs = dict(PROGRAMS if programs is None else programs)
        self._paths = dict(program_for_path or {})
        self._guard = threading.Lock()
        self._command: tuple[auto.PulumiCommand, Path] | None = None
        self._workspaces: dict[str, auto.LocalWorkspace] = {}
        # Selecting a stack costs a CLI call; every operation names its stack with --stack anyway.
        self._stacks: dict[str, auto.Stack] = {}

    # -- naming -----------------------------------------------------------------------------------

    def stack_name(self, intent: Intent) -> str:
        """`<path>.<name>.<env>`: deterministic, and unambiguous because no part holds a dot."""
        parts = (intent.path, intent.name, intent.env)
        bad = [p for p in parts if not STACK_PART.match(p)]
        if bad:
            raise InvalidParameters(
                f"cannot name a stack after `{bad[0]}`: use lower-case letters, digits, - and _ (at most 41)."
            )
        return ".".join(parts)

    def program_for(self, intent: Intent) -> GoldenPathProgram:
        name = self._paths.get(intent.path, intent.path)
        program = self._programs.get(name)
        if program is None:
            raise ProgramUnavailable(f"There is no provisioning program for `{intent.path}` here.")
        return program

    # -- operations -------------------------------------------------------------------------------

    def preview(self, intent: Intent, labels: Labels | None = None) -> Plan:
        program, fn, name = self._prepare(intent, labels)
        collector = self._collector(program, name)
        with (
            _hold(self.settings.state_dir, name, self.settings.busy_wait_seconds),
            translated("preview", name, collector.errors),
        ):
            self._on_stack(
                program,
                name,
                True,
                lambda s: s.preview(program=fn, on_event=collector, refresh=self.settings.refresh),
            )
        return collector.plan()

    def preview_destroy(self, intent: Intent) -> Plan:
        program, fn, name = self._prepare(intent)
        collector = self._collector(program, name)
        with (
            _hold(self.settings.state_dir, name, self.settings.busy_wait_seconds),
            translated("destroy preview", name, collector.errors),
        ):
            self._on_stack(program, name, False, lambda s: s.preview_destroy(program=fn, on_event=collector))
        return collector.plan()

    def up(
        self,
        intent: Intent,
        on_progress: Callable[[Progress], None] | None = None,
        labels: Labels | None = None,
    ) -> ApplyResult:
        program, fn, name = self._prepare(intent, labels)
        collector = self._collector(program, name, on_progress)
        with (
            _hold(self.settings.state_dir, name, self.settings.busy_wait_seconds),
            translated("update", name, collector.errors),
        ):
            result = self._on_stack(
                program,
                name,
                True,
                lambda s: s.up(program=fn, on_event=collector, refresh=self.settings.refresh),
            )
        # A declared secret output stays secret even if the program forgot Output.secret.
        hidden = {k for k, v in result.outputs.items() if v.secret or k in program.secret_outputs}
        outputs = {k: v.value for k, v in result.outputs.items() if k not in hidden}
        secrets = {k: v.value for k, v in result.outputs.items() if k in hidden}
        return ApplyResult(
            stack=name, outputs=outputs, secret_outputs=secrets, summary=_counts(result.summary)
        )

    def destroy(self, intent: Intent, on_progress: Callable[[Progress], None] | None = None) -> DestroyResult:
        program, fn, name = self._prepare(intent)
        collector = self._collector(program, name, on_progress)
        with (
            _hold(self.settings.state_dir, name, self.settings.busy_wait_seconds),
            translated("destroy", name, collector.errors),
        ):
            result = self._on_stack(program, name, False, lambda s: s.destroy(program=fn, on_event=collector))
            # The stack is empty now; removing it keeps list_stacks to what exists.
            self._workspace(program).remove_stack(name)
            with self._guard:
                self._stacks.pop(name, None)
        return DestroyResult(stack=name, summary=_counts(result.summary))

    def unlock(self, intent: Intent) -> None:
        """Clear what a dead attempt left on the stack before its step runs again: the update lock
        (`pulumi cancel`; on a local backend, which cannot cancel, its lock files) and the creates
        it had begun (a refresh that drops pending creates). Then `up` converges from the truth."""
        program, _, name = self._prepare(intent)
        with _hold(self.settings.state_dir, name, self.settings.busy_wait_seconds):
            try:
                self._on_stack(program, name, True, lambda s: s.cancel())
            except (auto.CommandError, StackNotFound):
                log.info("pulumi cancel of %s: nothing to cancel, or the backend cannot", name)
            for lock in (self.settings.state_dir / ".pulumi" / "locks").rglob("*.json"):
                if lock.parent.name == name.rsplit("/", 1)[-1]:
                    lock.unlink(missing_ok=True)
            with translated("refresh", name):
                self._on_stack(program, name, True, lambda s: s.refresh(clear_pending_creates=True))

    def drift(self, intent: Intent) -> DriftReport:
        program, fn, name = self._prepare(intent)
        collector = self._collector(program, name)
        with _hold(self.settings.state_dir, name), translated("drift check", name, collector.errors):
            self._on_stack(program, name, False, lambda s: s.preview_refresh(program=fn, on_event=collector))
        return collector.drift()

    def list_stacks(self) -> list[StackInfo]:
        found: list[StackInfo] = []
        for program in self._programs.values():
            with translated("stack listing", program.name):
                summaries = self._workspace(program).list_stacks()
            found += [
                StackInfo(
                    name=s.name,
                    project=program.name,
                    resource_count=s.resource_count,
                    last_update=s.last_update,
                    update_in_progress=s.update_in_progress,
                )  # fmt: skip
                for s in summaries
            ]
        return sorted(found, key=lambda s: (s.project, s.name))

    # -- plumbing ---------------------------------------------------------------------------------

    def _prepare(
        self, intent: Intent, labels: Labels | None = None
    ) -> tuple[GoldenPathProgram, Callable[[], None], str]:
        program = self.program_for(intent)
        name = self.stack_name(intent)
        return program, program.build(intent, self.settings, labels or Labels.for_intent(intent)), name

    def _collector(
        self, program: GoldenPathProgram, stack: str, on_progress: Callable[[Progress], None] | None = None
    ) -> EventCollector:
        return EventCollector(
            stack,
            type_order=program.resource_types,
            stateful_types=program.stateful_types,
            on_progress=on_progress,
        )

    def _cli(self) -> tuple[auto.PulumiCommand, Path]:
        with self._guard:
            if self._command is None:
                self._command = pulumi_command(self.settings)
                # Once per runner, before its first login: see provisioners/state_backend.py.
                if is_postgres_backend(self.settings.backend()):
                    prepare_postgres_backend(self.settings.backend())
            return self._command

    def _workspace(self, program: GoldenPathProgram) -> auto.LocalWorkspace:
        command, bin_dir = self._cli()
        with self._guard:
            workspace = self._workspaces.get(program.name)
            if workspace is None:
                work_dir = self.settings.work_dir / "projects" / program.name
                work_dir.mkdir(parents=True, exist_ok=True)
                self.settings.state_dir.mkdir(parents=True, exist_ok=True)
                workspace = auto.LocalWorkspace(
                    work_dir=str(work_dir),
                    pulumi_home=str(self.settings.work_dir / "pulumi-home"),
                    env_vars=engine_env(self.settings, bin_dir, program.engine_env(self.settings)),
                    project_settings=auto.ProjectSettings(name=program.name, runtime="python"),
                    pulumi_command=command,
                )
                self._workspaces[program.name] = workspace
            return workspace

    def _on_stack(
        self, program: GoldenPathProgram, name: str, create: bool, run: Callable[[auto.Stack], T]
    ) -> T:
        """Run `run` on the stack; a cached stack removed behind our back is looked up again once."""
        with self._guard:
            cached = self._stacks.get(name)
        if cached is not None:
            try:
                return run(cached)
            except auto.StackNotFoundError:
                with self._guard:
                    self._stacks.pop(name, None)
        workspace = self._workspace(program)
        try:
            stack = (
                auto.Stack.create_or_select(name, workspace) if create else auto.Stack.select(name, workspace)
            )
        except auto.StackNotFoundError as exc:
            raise StackNotFound(name) from exc
        with self._guard:
            self._stacks[name] = stack
        return run(stack)


def _counts(summary: auto.UpdateSummary | None) -> dict[str, int]:
    changes = summary.resource_changes if summary is not None else None
    return {str(getattr(op, "value", op)): int(n) for op, n in (changes or {}).items()}
