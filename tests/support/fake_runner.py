"""An in-memory double of the workflow's Runner port (bot.workflow.ports.Runner).

A double, not the engine: the model-based test takes thousands of steps, and a real Pulumi
preview costs about a second. It keeps live stacks in a dict, answers with real `Plan` objects
(one resource per stack whose inputs are the intent's parameters, so a changed parameter is an
update and a repeat is "same"; it carries the labels it is handed, as a real program's resources
do, on the change's `labels` only, so a plan hashes the same with and without them), hands out
a secret password for databases, and records which request changed which stack so invariants can
be checked against it. The real engine is covered
by tests/unit/bot/workflow/test_apply_engine.py and test_ownership_engine.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intents.intent import Intent
from provisioners.labels import Labels
from provisioners.plan import Plan, ResourceChange
from provisioners.runner import Runner as RealRunner

STATEFUL_PATHS = {"postgres-database"}


@dataclass(frozen=True)
class FakeApplied:
    outputs: Mapping[str, Any]
    secret_outputs: Mapping[str, Any]
    summary: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One change to live infrastructure: `up` or `destroy` of `stack`, for whose intent."""

    kind: str
    stack: str
    intent: Intent


class FakeRunner:
    def __init__(self) -> None:
        self.live: dict[str, dict[str, Any]] = {}
        self.operations: list[Operation] = []
        self._lock = threading.Lock()
        self._passwords = 0

    def stack_name(self, intent: Intent) -> str:
        # The real naming rule (pure): `<path>.<name>.<env>`.
        return RealRunner.stack_name(self, intent)  # type: ignore[arg-type]

    def _inputs(self, intent: Intent) -> dict[str, Any]:
        return json.loads(json.dumps(dict(intent.params), default=list))

    def _change(
        self,
        intent: Intent,
        op: str,
        before: dict[str, Any],
        after: dict[str, Any],
        labels: Labels | None = None,
    ) -> ResourceChange:
        stack = self.stack_name(intent)
        keys = tuple(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))
        return ResourceChange(
            urn=f"urn:pulumi:{intent.env}::{intent.path}::platformbot:Thing::{intent.name}",
            type=f"pulumi-python:dynamic/platformbot:{intent.path}",
            name=stack,
            op=op,
            keys=keys,
            before={k: before[k] for k in keys if k in before},
            after={k: after[k] for k in keys if k in after},
            stateful=intent.path in STATEFUL_PATHS,
            labels=None if labels is None or op == "delete" else labels.as_input(),
        )

    def preview(self, intent: Intent, labels: Labels | None = None) -> Plan:
        stack, after = self.stack_name(intent), self._inputs(intent)
        with self._lock:
            before = self.live.get(stack)
        if before is None:
            return Plan.build(stack, [self._change(intent, "create", {}, after, labels)])
        if before == after:
            return Plan.build(stack, [], unchanged=1)
        return Plan.build(stack, [self._change(intent, "update", before, after, labels)])

    def preview_destroy(self, intent: Intent) -> Plan:
        stack = self.stack_name(intent)
        with self._lock:
            before = self.live.get(stack)
        if before is None:
            return Plan.build(stack, [])
        return Plan.build(stack, [self._change(intent, "delete", before, {})])

    def up(self, intent: Intent, on_progress: Any = None, labels: Labels | None = None) -> FakeApplied:
        stack = self.stack_name(intent)
        with self._lock:
            self.live[stack] = self._inputs(intent)
            self.operations.append(Operation("up", stack, intent))
            self._passwords += 1
            password = f"pw-{self._passwords}"
        secrets = (
            {"dsn": f"postgresql://owner:{password}@db/{intent.name}"}
            if intent.path in STATEFUL_PATHS
            else {}
        )
        return FakeApplied(outputs={"stack": stack}, secret_outputs=secrets, summary={"update": 1})

    def destroy(self, intent: Intent, on_progress: Any = None) -> FakeApplied:
        stack = self.stack_name(intent)
        with self._lock:
            self.live.pop(stack, None)
            self.operations.append(Operation("destroy", stack, intent))
        return FakeApplied(outputs={}, secret_outputs={}, summary={"delete": 1})


if TYPE_CHECKING:
    from bot.workflow.ports import Runner

    def _fits(runner: FakeRunner) -> Runner:
        return runner
