"""Pulumi's unit-test mocks, recording every registered resource with its inputs: the programs'
tests read what a golden path would create without an engine."""

from __future__ import annotations

from typing import Any

import pulumi


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ.endswith(":PostgresRole"):
            outputs["password"] = "generated-password"  # what the provider's create returns
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None  # no function results and no check failures

    def by_type(self, suffix: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ.endswith(suffix)]
