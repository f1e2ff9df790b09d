"""provisioners: golden-path Pulumi programs and the Automation API runner that previews, applies,
checks for drift and destroys them (side effects live here; see errors.py for what can go wrong).

Public API: Runner, RunnerSettings, Plan, ResourceChange, DriftReport, ApplyResult, DestroyResult,
Progress, StackInfo, PROGRAMS (provisioners.programs) and the errors in provisioners.errors.
"""

from __future__ import annotations

from provisioners.errors import (
    EngineError,
    EngineUnavailable,
    InvalidParameters,
    ProgramUnavailable,
    ProvisionerError,
    StackBusy,
    StackNotFound,
)
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

__all__ = [
    "PROGRAMS",
    "PULUMI_VERSION",
    "ApplyResult",
    "DestroyResult",
    "DriftReport",
    "EngineError",
    "EngineUnavailable",
    "GoldenPathProgram",
    "InvalidParameters",
    "Plan",
    "ProgramUnavailable",
    "Progress",
    "ProvisionerError",
    "ResourceChange",
    "Runner",
    "RunnerSettings",
    "StackBusy",
    "StackInfo",
    "StackNotFound",
]
