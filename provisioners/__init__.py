"""provisioners: golden-path Pulumi programs and the Automation API runner that previews, applies,
checks for drift and destroys them (side effects live here; see errors.py for what can go wrong).

Public API: Runner, RunnerSettings, Plan, ResourceChange, DriftReport, ApplyResult, DestroyResult,
Progress, StackInfo, PROGRAMS (provisioners.programs), the golden-path API (GoldenPath,
LoadedPath, Registry, discover: provisioners.golden_path and provisioners.discovery) and the errors
in provisioners.errors.

The names are loaded on first use: the engine's dynamic-provider processes import
`provisioners.providers.*` for every operation, and must not pay for the runner, the
Automation API and the templates they never use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provisioners.discovery import Registry, discover
    from provisioners.errors import (
        DuplicateGoldenPath,
        EngineError,
        EngineUnavailable,
        GoldenPathError,
        InvalidParameters,
        ProgramUnavailable,
        ProvisionerError,
        StackBusy,
        StackNotFound,
    )
    from provisioners.golden_path import GoldenPath, LoadedPath
    from provisioners.plan import (
        ApplyResult,
        DestroyResult,
        DriftReport,
        Plan,
        Progress,
        ResourceChange,
        StackInfo,
    )
    from provisioners.programs import PROGRAMS, GoldenPathProgram
    from provisioners.runner import Runner
    from provisioners.settings import PULUMI_VERSION, RunnerSettings

_WHERE = {
    "Registry": "provisioners.discovery",
    "discover": "provisioners.discovery",
    "DuplicateGoldenPath": "provisioners.errors",
    "GoldenPathError": "provisioners.errors",
    "GoldenPath": "provisioners.golden_path",
    "LoadedPath": "provisioners.golden_path",
    "EngineError": "provisioners.errors",
    "EngineUnavailable": "provisioners.errors",
    "InvalidParameters": "provisioners.errors",
    "ProgramUnavailable": "provisioners.errors",
    "ProvisionerError": "provisioners.errors",
    "StackBusy": "provisioners.errors",
    "StackNotFound": "provisioners.errors",
    "ApplyResult": "provisioners.plan",
    "DestroyResult": "provisioners.plan",
    "DriftReport": "provisioners.plan",
    "Plan": "provisioners.plan",
    "Progress": "provisioners.plan",
    "ResourceChange": "provisioners.plan",
    "StackInfo": "provisioners.plan",
    "PROGRAMS": "provisioners.programs",
    "GoldenPathProgram": "provisioners.programs",
    "Runner": "provisioners.runner",
    "PULUMI_VERSION": "provisioners.settings",
    "RunnerSettings": "provisioners.settings",
}

__all__ = [
    "ApplyResult",
    "DestroyResult",
    "DriftReport",
    "DuplicateGoldenPath",
    "EngineError",
    "EngineUnavailable",
    "GoldenPath",
    "GoldenPathError",
    "GoldenPathProgram",
    "LoadedPath",
    "InvalidParameters",
    "PROGRAMS",
    "PULUMI_VERSION",
    "Plan",
    "ProgramUnavailable",
    "Progress",
    "ProvisionerError",
    "Registry",
    "ResourceChange",
    "Runner",
    "RunnerSettings",
    "StackBusy",
    "StackInfo",
    "StackNotFound",
    "discover",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'provisioners' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
