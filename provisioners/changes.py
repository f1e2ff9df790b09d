"""Turns the engine's event stream into Plan, DriftReport and Progress values.

The Python dynamic provider cannot report which keys changed (its DiffResponse has no `diffs`),
so the changed keys are computed here from the old and new properties in the step events.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.automation import EngineEvent
from pulumi.automation.events import StepEventMetadata
from pydantic import JsonValue

from provisioners.labels import labels_of
from provisioners.plan import (
    SECRET,
    UNKNOWN,
    ChangeOp,
    DriftReport,
    Plan,
    Progress,
    ProgressStatus,
    ResourceChange,
)

# Markers in the engine's JSON: a secret arrives as {SECRET_SIG_KEY: SECRET_SIG, ...}; a value a
# preview cannot know arrives as the UNKNOWN_VALUE string.
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Serialised provider code (a secret blob): never a reviewable change.
HIDDEN_KEYS = frozenset({"__provider"})
PREVIEW_OPS: dict[str, ChangeOp] = {
    "create": "create",
    "update": "update",
    "replace": "replace",
    "delete": "delete",
}
OP_RANK = {"create": 0, "replace": 1, "update": 2, "delete": 3}

log = logging.getLogger(__name__)


def mask(value: Any) -> JsonValue:
    """A property value as the plan shows it: secrets and unknowns replaced by placeholders."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return SECRET
        return {str(k): mask(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    if value == UNKNOWN_VALUE:
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine's numbers are float64; 10 and 10.0 are one value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def is_internal(type_token: str) -> bool:
    """The stack itself and provider instances are plumbing, not something anyone asked for."""
    return type_token == "pulumi:pulumi:Stack" or type_token.startswith("pulumi:providers:")


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _props(meta: StepEventMetadata, side: str, kind: str) -> dict[str, Any]:
    state = meta.old if side == "old" else meta.new
    values = (state.inputs if kind == "inputs" else state.outputs) if state is not None else None
    return {k: v for k, v in (values or {}).items() if k not in HIDDEN_KEYS}


def diff_keys(before: Mapping[str, JsonValue], after: Mapping[str, JsonValue]) -> tuple[str, ...]:
    keys = set(before) | set(after)
    changed = []
    for key in sorted(keys):
        old, new = before.get(key), after.get(key)
        if old == SECRET or new == SECRET:
            continue  # cannot compare blinded values; never show one side of a secret
        if old != new:
            changed.append(key)
    return tuple(changed)


class EventCollector:
    """Collects step events from one engine operation (events arrive on gRPC worker threads)."""

    def __init__(
        self,
        stack: str,
        *,
        type_order: tuple[str, ...] = (),
        stateful_types: frozenset[str] = frozenset(),
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.stack = stack
        self._type_order = {t: i for i, t in enumerate(type_order)}
        self._stateful = stateful_types
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self._pre: list[StepEventMetadata] = []
        self._outputs: list[StepEventMetadata] = []
        self.errors: list[str] = []

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            if event.resource_pre_event is not None:
                self._pre.append(event.resource_pre_event.metadata)
                self._progress(event.resource_pre_event.metadata, "started")
            elif event.res_outputs_event is not None:
                self._outputs.append(event.res_outputs_event.metadata)
                self._progress(event.res_outputs_event.metadata, "finished")
            elif event.res_op_failed_event is not None:
                self._progress(event.res_op_failed_event.metadata, "failed")
            elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
                self.errors.append(event.diagnostic_event.message)

    def _progress(self, meta: StepEventMetadata, status: ProgressStatus) -> None:
        if self._on_progress is None or is_internal(meta.type) or meta.op.value in ("same", "refresh"):
            return
        progress = Progress(
            stack=self.stack, urn=meta.urn, type=meta.type, name=resource_name(meta.urn),
            op=meta.op.value, status=status,
        )  # fmt: skip
        try:
            self._on_progress(progress)
        except Exception:  # a broken progress display must not break the update
            log.exception("progress callback failed for %s", meta.urn)

    def plan(self) -> Plan:
        changes, unchanged = [], 0
        for meta in self._pre:
            if is_internal(meta.type):
                continue
            op = PREVIEW_OPS.get(meta.op.value)
            if op is None:
                unchanged += meta.op.value == "same"
                continue  # create-replacement/delete-replaced are parts of the `replace` shown
            changes.append(self._change(meta, op))
        return Plan.build(self.stack, self._ordered(changes), unchanged=unchanged)

    def drift(self) -> DriftReport:
        changes, checked = [], 0
        for meta in self._outputs:
            if is_internal(meta.type):
                continue
            checked += 1
            if meta.op.value == "delete":
                before = {k: mask(v) for k, v in _props(meta, "old", "outputs").items()}
                changes.append(self._make(meta, "delete", tuple(sorted(before)), before, {}))
            elif meta.op.value == "update":
                before = {k: mask(v) for k, v in _props(meta, "old", "outputs").items()}
                after = {k: mask(v) for k, v in _props(meta, "new", "outputs").items()}
                keys = diff_keys(before, after)
                changes.append(self._make(meta, "update", keys, before, after))
        return DriftReport(stack=self.stack, changes=self._ordered(changes), checked=checked)

    def _change(self, meta: StepEventMetadata, op: ChangeOp) -> ResourceChange:
        new_inputs = {k: mask(v) for k, v in _props(meta, "new", "inputs").items()}
        old_inputs = {k: mask(v) for k, v in _props(meta, "old", "inputs").items()}
        labels = labels_of(new_inputs)
        if op == "create":
            return self._make(meta, op, tuple(sorted(new_inputs)), {}, new_inputs, labels=labels)
        if op == "delete":
            return self._make(meta, op, tuple(sorted(old_inputs)), old_inputs, {})
        # Compare against the recorded outputs where they exist: they are what the provider
        # last reported, which is what its own diff compares with.
        old_outputs = {k: mask(v) for k, v in _props(meta, "old", "outputs").items()}
        before = {k: old_outputs.get(k, old_inputs.get(k)) for k in set(old_inputs) | set(new_inputs)}
        keys = diff_keys({k: v for k, v in before.items() if v is not None}, new_inputs)
        replace_keys = tuple(sorted(meta.keys or ())) if op == "replace" else ()
        keys = tuple(sorted(set(keys) | set(replace_keys) | set(meta.diffs or ())))
        return self._make(meta, op, keys, before, new_inputs, replace_keys, labels=labels)

    def _make(
        self,
        meta: StepEventMetadata,
        op: ChangeOp,
        keys: tuple[str, ...],
        before: Mapping[str, JsonValue],
        after: Mapping[str, JsonValue],
        replace_keys: tuple[str, ...] = (),
        *,
        labels: dict[str, str] | None = None,
    ) -> ResourceChange:
        return ResourceChange(
            urn=meta.urn,
            type=meta.type,
            name=resource_name(meta.urn),
            op=op,
            keys=keys,
            replace_keys=replace_keys,
            before={k: before[k] for k in keys if k in before},
            after={k: after[k] for k in keys if k in after},
            stateful=meta.type in self._stateful,
            labels=labels,
        )

    def _ordered(self, changes: list[ResourceChange]) -> tuple[ResourceChange, ...]:
        # The engine runs independent steps in parallel, so its event order varies between runs;
        # dependency order of types, then name, is the same every time.
        # Deletes go last and in reverse dependency order, the order the engine runs them in.
        last = len(self._type_order)

        def rank(change: ResourceChange) -> tuple[int, str, int]:
            index = self._type_order.get(change.type, last)
            index = 2 * last + 1 - index if change.op == "delete" else index
            return index, change.name, OP_RANK.get(change.op, 9)

        return tuple(sorted(changes, key=rank))
