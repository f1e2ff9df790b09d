"""The typed request every other package works on."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# A parameter value after validation against the catalog: lists are tuples so intents stay hashable.
ParamValue = str | int | bool | tuple[str, ...]


class Intent(BaseModel):
    """What a developer asked for, validated against the golden-path catalog.

    `path` is the canonical golden-path name (aliases resolved); `params` holds every
    parameter other than name and env, with catalog defaults filled in and keys lower-case.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    name: str
    env: str
    params: dict[str, ParamValue] = Field(default_factory=dict)
