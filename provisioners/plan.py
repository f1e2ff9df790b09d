"""What a preview, an apply or a drift check found: plain pydantic models, no Pulumi imports.

The bot stores these, shows them in Slack and binds approvals to `Plan.plan_hash`, so they must
survive a JSON round trip and hash the same for two previews of the same desired change.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from provisioners.render import readable_address, render_changes, short_type, summary_line

ChangeOp = Literal["create", "update", "replace", "delete"]
ProgressStatus = Literal["started", "finished", "failed"]

# The order counts are listed in and changes of equal rank are shown in.
OP_ORDER: tuple[ChangeOp, ...] = ("create", "update", "replace", "delete")

SECRET = "[secret]"
UNKNOWN = "(known after apply)"


class ResourceChange(BaseModel):
    """One resource the operation touches.

    `keys` are the changed inputs (all inputs for a create or delete); `before`/`after` hold
    those keys only, secrets shown as `[secret]` and values the engine cannot know yet as
    `(known after apply)`. `replace_keys` are the keys that force a replacement.
    """

    model_config = ConfigDict(frozen=True)

    urn: str
    type: str
    name: str
    op: ChangeOp
    keys: tuple[str, ...] = ()
    replace_keys: tuple[str, ...] = ()
    before: dict[str, JsonValue] = Field(default_factory=dict)
    after: dict[str, JsonValue] = Field(default_factory=dict)
    stateful: bool = False
    # The resource's `labels` input as planned, whether it changes or not (None: it has none, or
    # the change is a delete): what the plan-stage attribution rules read. Not in the hash: a
    # change of labels is already among `keys`/`after`.
    labels: dict[str, str] | None = None

    @property
    def short_type(self) -> str:
        return short_type(self.type)

    @property
    def address(self) -> str:
        """The URN without `urn:pulumi:<stack>::<project>::`: the same in every stack."""
        parts = self.urn.split("::", 2)
        return parts[2] if len(parts) == 3 else self.urn

    @property
    def readable_address(self) -> str:
        return readable_address(self.address)

    def identity(self) -> dict[str, JsonValue]:
        """What the plan hash covers of a change: everything a reviewer approves; the URN's stack
        part is left out here because `Plan` hashes its stack once, beside the changes."""
        return {
            "address": self.address,
            "op": self.op,
            "keys": list(self.keys),
            "replace_keys": list(self.replace_keys),
            "before": self.before,
            "after": self.after,
        }


def hash_changes(changes: Iterable[ResourceChange], *, stack: str | None = None) -> str:
    """A digest of the changes (and, for a plan, the stack they are for: an approval of a plan
    for one stack must not read as an approval of the same diff against another)."""
    # Sorted by address so the engine's parallel step order cannot change the hash.
    identities = sorted((c.identity() for c in changes), key=lambda i: (str(i["address"]), str(i["op"])))
    covered: object = identities if stack is None else {"stack": stack, "changes": identities}
    canonical = json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def count_ops(changes: Iterable[ResourceChange]) -> dict[str, int]:
    counted = Counter(c.op for c in changes)
    return {op: counted[op] for op in OP_ORDER if counted[op]}


class Plan(BaseModel):
    """The changes a preview found, in a stable order, with counts and a hash to bind approvals to."""

    model_config = ConfigDict(frozen=True)

    stack: str
    changes: tuple[ResourceChange, ...] = ()
    counts: dict[str, int] = Field(default_factory=dict)
    unchanged: int = 0
    plan_hash: str

    @classmethod
    def build(cls, stack: str, changes: Iterable[ResourceChange], *, unchanged: int = 0) -> Plan:
        ordered = tuple(changes)
        return cls(
            stack=stack,
            changes=ordered,
            counts=count_ops(ordered),
            unchanged=unchanged,
            plan_hash=hash_changes(ordered, stack=stack),
        )

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def short_hash(self) -> str:
        return self.plan_hash[:12]

    def summary_line(self) -> str:
        return summary_line(self.counts, self.unchanged)

    def render_text(self, *, max_value_lines: int | None = None) -> str:
        """A compact diff in the spirit of `pulumi preview --diff`."""
        header = f"Plan for stack {self.stack} (hash {self.short_hash})"
        return render_changes(header, self.changes, self.summary_line(), max_value_lines)


class DriftReport(BaseModel):
    """What `preview_refresh` found: live state that no longer matches the recorded state.

    A change with op `update` means the live resource differs (`before` = recorded, `after` =
    live); op `delete` means it is gone.
    """

    model_config = ConfigDict(frozen=True)

    stack: str
    changes: tuple[ResourceChange, ...] = ()
    checked: int = 0

    @property
    def has_drift(self) -> bool:
        return bool(self.changes)

    def summary_line(self) -> str:
        if not self.changes:
            return f"No drift: {self.checked} resource(s) match the recorded state."
        changed = sum(1 for c in self.changes if c.op != "delete")
        gone = len(self.changes) - changed
        parts = [f"{changed} changed outside platformbot"] if changed else []
        parts += [f"{gone} missing"] if gone else []
        return f"Drift in {len(self.changes)} of {self.checked} resource(s): " + ", ".join(parts) + "."

    def render_text(self, *, max_value_lines: int | None = None) -> str:
        header = f"Drift for stack {self.stack} (recorded => live)"
        return render_changes(header, self.changes, self.summary_line(), max_value_lines)


class ApplyResult(BaseModel):
    """The outcome of `up`: stack outputs, with secret ones kept apart so they only go to a DM."""

    model_config = ConfigDict(frozen=True)

    stack: str
    outputs: dict[str, JsonValue] = Field(default_factory=dict)
    secret_outputs: dict[str, JsonValue] = Field(default_factory=dict)
    summary: dict[str, int] = Field(default_factory=dict)


class DestroyResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    summary: dict[str, int] = Field(default_factory=dict)


class Progress(BaseModel):
    """One step of a running update, for a progress message. Carries no engine text."""

    model_config = ConfigDict(frozen=True)

    stack: str
    urn: str
    type: str
    name: str
    op: str
    status: ProgressStatus


class StackInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    project: str
    resource_count: int | None = None
    last_update: datetime | None = None
    update_in_progress: bool | None = None
