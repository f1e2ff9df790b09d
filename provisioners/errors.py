"""Errors the provisioners package raises. Every one carries a user-safe `.message`.

Pulumi's own exceptions (`CommandError` and its subclasses, version errors, a missing binary)
are translated once, where the runner calls the engine, with `raise ... from exc`; the full
stderr goes to the log, never into `.message`.

    ProvisionerError                 base; `.message` is safe to show a user
    ├── InvalidParameters            the intent has values this program cannot use (bad identifier, ...)
    ├── ProgramUnavailable           no program for the golden path, or its configuration is missing
    │                                (no admin DSN for postgres-database, no git root for service)
    ├── GoldenPathError              a golden-path package cannot be loaded: package, file, line, reason
    │   └── DuplicateGoldenPath      two sources declare one name; both are named
    ├── StackBusy                    another operation on the same stack is running (here or elsewhere)
    ├── StackNotFound                drift/destroy of a stack that was never created
    └── EngineError                  a Pulumi operation failed; `.operation`, `.stack`
        └── EngineUnavailable        the pinned Pulumi CLI is missing or the wrong version
"""

from __future__ import annotations


class ProvisionerError(Exception):
    """Base class. `message` is written for the person who asked; no stderr, no secrets."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameters(ProvisionerError):
    """The intent passed the catalog but the program cannot build from it."""


class ProgramUnavailable(ProvisionerError):
    """The golden path has no program here, or the program's configuration is missing."""


class GoldenPathError(ProvisionerError):
    """A golden path cannot be loaded, so the bot must not start. For the operator, not a user."""

    def __init__(self, package: str, file: str, line: int | None, reason: str) -> None:
        at = f"{file}:{line}" if line else file
        super().__init__(f"golden path from {package}: {at}: {reason}")
        self.package = package
        self.file = file
        self.line = line
        self.reason = reason


class DuplicateGoldenPath(GoldenPathError):
    """Two sources declare a golden path (or alias) with one name; the message names both."""

    def __init__(self, name: str, package: str, file: str, line: int | None, other: str) -> None:
        super().__init__(package, file, line, f"golden path `{name}` is also declared by {other}")
        self.name = name
        self.other = other


class StackBusy(ProvisionerError):
    """Another preview/update/destroy holds the stack."""

    def __init__(self, stack: str) -> None:
        super().__init__(
            f"Another operation is already running on stack `{stack}`; try again when it finishes."
        )
        self.stack = stack


class StackNotFound(ProvisionerError):
    """The stack does not exist (never applied, or already destroyed)."""

    def __init__(self, stack: str) -> None:
        super().__init__(f"Stack `{stack}` does not exist: nothing has been provisioned for it.")
        self.stack = stack


class EngineError(ProvisionerError):
    """A Pulumi operation failed. The message names the operation and, where known, the cause."""

    def __init__(self, message: str, *, operation: str = "", stack: str = "", refused: bool = False) -> None:
        super().__init__(message)
        self.operation = operation
        self.stack = stack
        # A provider refused the inputs in words for people: expected, not an engine fault.
        self.refused = refused


class EngineUnavailable(EngineError):
    """The Pulumi CLI could not be found or is not the pinned version."""
