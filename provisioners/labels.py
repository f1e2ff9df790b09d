"""Attribution labels: who a resource the bot creates belongs to and pays for (issue 14).

Every program receives one `Labels` value (the third argument of `GoldenPathProgram.build`) and
passes `labels.as_input()` as the `labels` input of every resource it declares; the provider
writes them where the system keeps such things (a PostgreSQL COMMENT, a checked-in file, a Redis
hash) and reads them back, so a label changed by hand shows as drift. The plan-stage rules see the
`labels` input of each change (`plan.changes[].labels`): a create without them is denied, so a
golden path that forgets them cannot provision anything.

All six keys are always present; a value the bot does not know (a requester in no team, a team
without a cost centre, a preview outside any request) is "", so rules can tell "unknown" from
"not labelled at all".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from intents.intent import Intent

if TYPE_CHECKING:
    from provisioners.plan import ResourceChange

LABELS_INPUT = "labels"
LABEL_KEYS = ("team", "cost_centre", "golden_path", "request_id", "requester", "environment")


class Labels(BaseModel):
    """The attribution of one request's resources; `as_input()` is what programs pass on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    golden_path: str
    environment: str
    team: str = ""
    cost_centre: str = ""
    request_id: str = ""
    requester: str = ""

    @classmethod
    def for_intent(cls, intent: Intent, **known: str | None) -> Labels:
        """The labels of `intent`'s resources; `known` fills the rest (None counts as unknown)."""
        values = {k: v for k, v in known.items() if v is not None}
        return cls(golden_path=intent.path, environment=intent.env, **values)

    def as_input(self) -> dict[str, str]:
        """The `labels` input of a resource: every key, in LABEL_KEYS order."""
        return {key: getattr(self, key) for key in LABEL_KEYS}

    def to_json(self) -> str:
        return labels_json(self.as_input())


def labels_json(labels: Mapping[str, Any]) -> str:
    """The one textual form providers write, so what they read back compares byte for byte."""
    return json.dumps(dict(labels), sort_keys=True, separators=(",", ":"))


def labels_of(inputs: Mapping[str, Any]) -> dict[str, str] | None:
    """The `labels` input among a resource's inputs, or None when it has none (or not a map)."""
    found = inputs.get(LABELS_INPUT)
    if not isinstance(found, Mapping):
        return None
    return {str(k): "" if v is None else str(v) for k, v in found.items()}


def missing_label_keys(inputs: Mapping[str, Any]) -> list[str]:
    """The label keys a resource's inputs lack (all of them when it has no `labels` input)."""
    found = labels_of(inputs) or {}
    return [key for key in LABEL_KEYS if key not in found]


def unlabelled_creates(changes: Iterable[ResourceChange]) -> list[str]:
    """The creates among `changes` that do not carry every label (what the plan-stage rule
    `creates-must-carry-labels` denies), as `<short type> <name>`, for `platformbot paths test`."""
    return [
        f"{c.short_type} {c.name}"
        for c in changes
        if c.op == "create" and (c.labels is None or any(k not in c.labels for k in LABEL_KEYS))
    ]
