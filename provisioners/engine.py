"""The boundary with the Pulumi CLI: where it is, the environment it runs in, and error translation.

Every exception from pulumi.automation is translated here, once, into provisioners.errors; the
full CLI output goes to the log and never into a user-facing message.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import grpc
from pulumi import automation as auto
from pulumi.automation import errors as auto_errors

from provisioners.errors import EngineError, EngineUnavailable, ProvisionerError, StackBusy, StackNotFound
from provisioners.providers.failure import user_message
from provisioners.settings import PULUMI_VERSION, RunnerSettings, pulumi_cache_bin_dir

log = logging.getLogger("provisioners.engine")


def _not_a_dead_engine(record: logging.LogRecord) -> bool:
    """False for the inline program's gRPC server failing to log to an engine that already exited
    (it does after every failed preview or update): noise with a traceback, not a fault of ours.
    The failure itself is reported by `translated`."""
    error = record.exc_info[1] if record.exc_info else None
    code = getattr(error, "code", None)
    if isinstance(error, grpc.RpcError) and callable(code) and code() is grpc.StatusCode.UNAVAILABLE:
        log.debug("the program's server outlived its engine: %s", record.getMessage().splitlines()[0])
        return False
    return True


logging.getLogger("grpc._server").addFilter(_not_a_dead_engine)

MISSING_CLI = (
    f"The Pulumi CLI {PULUMI_VERSION} was not found (looked on PATH and in {pulumi_cache_bin_dir()}). "
    "Install it with `make setup` (or `bash scripts/install-pulumi.sh`, which prints its directory), "
    "or point `pulumi_bin_dir` at a directory holding `pulumi`."
)
# A CheckFailure reason from one of our providers, as the engine words it.
CHECK_FAILURE = re.compile(r"resource '(?P<name>[^']+)'.*?has a problem: (?P<reason>[^\n]+)")


def pulumi_command(settings: RunnerSettings) -> tuple[auto.PulumiCommand, Path]:
    """The CLI wrapper and its bin directory; EngineUnavailable when missing or unusable."""
    bin_dir = settings.resolved_pulumi_bin_dir()
    if bin_dir is None or not os.access(bin_dir / "pulumi", os.X_OK):
        raise EngineUnavailable(MISSING_CLI, operation="start")
    try:
        command = auto.PulumiCommand(root=str(_root_for(bin_dir, settings.work_dir)))
    except auto_errors.InvalidVersionError as exc:
        log.error("unusable Pulumi CLI in %s: %s", bin_dir, exc)
        raise EngineUnavailable(
            f"The Pulumi CLI in {bin_dir} is too old; {MISSING_CLI}", operation="start"
        ) from exc
    except (OSError, subprocess.CalledProcessError) as exc:
        log.error("cannot run the Pulumi CLI in %s: %s", bin_dir, exc)
        raise EngineUnavailable(MISSING_CLI, operation="start") from exc
    found = f"v{command.version}" if command.version else "an unknown version"
    if found != PULUMI_VERSION:
        log.warning("Pulumi CLI in %s is %s; platformbot is tested with %s", bin_dir, found, PULUMI_VERSION)
    return command, bin_dir


def _root_for(bin_dir: Path, work_dir: Path) -> Path:
    # PulumiCommand runs `<root>/bin/pulumi`; a directory not named `bin` gets a symlinked stand-in.
    if bin_dir.name == "bin":
        return bin_dir.parent
    stand_in = work_dir / "pulumi-root" / "bin"
    stand_in.mkdir(parents=True, exist_ok=True)
    link = stand_in / "pulumi"
    if not link.is_symlink() or link.resolve() != (bin_dir / "pulumi").resolve():
        link.unlink(missing_ok=True)
        link.symlink_to(bin_dir / "pulumi")
    return stand_in.parent


def engine_env(settings: RunnerSettings, bin_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """Environment for every CLI call; the engine passes it on to provider processes."""
    dirs = [str(bin_dir)]
    cache = pulumi_cache_bin_dir()
    if cache != bin_dir and (cache / "pulumi-resource-pulumi-python").exists():
        dirs.append(str(cache))  # a `pulumi` from PATH may lack the dynamic-provider shim beside it
    # The folder above provisioners/ (found from this file, not by importing the package, which
    # loads the runner and so this module): provider processes import provisioners.providers.
    source_root = str(Path(__file__).resolve().parent.parent)
    # A program's own PYTHONPATH (a golden path from a folder) is added to ours, not put instead.
    extra = dict(extra)
    own = extra.pop("PYTHONPATH", "")
    parts = (own, source_root, os.environ.get("PYTHONPATH", ""))
    python_path = os.pathsep.join(p for p in parts if p)
    return {
        "PULUMI_BACKEND_URL": settings.backend(),
        "PULUMI_CONFIG_PASSPHRASE": settings.passphrase.get_secret_value(),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        # Nothing is downloaded: the only plugin is the dynamic-provider shim on PATH.
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        # Provider processes unpickle our providers by module name: they must import `provisioners`.
        "PYTHONPATH": python_path,
        "PATH": os.pathsep.join([*dirs, os.environ.get("PATH", "")]),
        **extra,
    }


# `scheme://user:password@host`: the engine's output may quote the state backend's URL (a
# PostgreSQL backend carries its password in it) or a provider's DSN.
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)


def redact_urls(text: str) -> str:
    """`text` with the password of every URL in it replaced by `***`, for the log."""
    return _URL_PASSWORD.sub(r"\1***@", text)


@contextmanager
def translated(operation: str, stack: str, diagnostics: Sequence[str] = ()) -> Iterator[None]:
    """Turn whatever the automation API raises into a ProvisionerError with a readable message."""
    try:
        yield
    except ProvisionerError:
        raise
    except auto_errors.ConcurrentUpdateError as exc:
        log.warning("pulumi %s: stack %s is locked:\n%s", operation, stack, redact_urls(str(exc)))
        raise StackBusy(stack) from exc
    except auto_errors.StackNotFoundError as exc:
        raise StackNotFound(stack) from exc
    except auto_errors.CommandError as exc:
        reasons = provider_reasons([*diagnostics, str(exc)])
        if reasons:
            # A provider refused the inputs in words for people (a name taken, a value out of range):
            # the requester's to fix, not an engine fault. One line; the engine's output at DEBUG.
            log.warning("pulumi %s refused for stack %s: %s", operation, stack, "; ".join(reasons))
            log.debug("pulumi %s output for stack %s:\n%s", operation, stack, redact_urls(str(exc)))
        else:
            log.error("pulumi %s failed for stack %s:\n%s", operation, stack, redact_urls(str(exc)))
        raise EngineError(
            failure_message(operation, stack, [*diagnostics, str(exc)]),
            operation=operation,
            stack=stack,
            refused=bool(reasons),
        ) from exc
    except auto_errors.InvalidVersionError as exc:
        log.error("pulumi %s: %s", operation, exc)
        raise EngineUnavailable(MISSING_CLI, operation=operation, stack=stack) from exc
    except (OSError, RuntimeError) as exc:  # a vanished binary; the SDK's "summary event never found"
        log.exception("pulumi %s failed for stack %s", operation, stack)
        raise EngineError(failure_message(operation, stack, []), operation=operation, stack=stack) from exc


def failure_message(operation: str, stack: str, texts: Sequence[str]) -> str:
    """Only text our own providers wrote for people reaches the user; everything else is logged."""
    reasons = provider_reasons(texts)
    if reasons:
        return f"The {operation} of stack `{stack}` failed: " + "; ".join(reasons[:3])
    return (
        f"The {operation} of stack `{stack}` failed in the Pulumi engine; details are in the platformbot log."
    )


def provider_reasons(texts: Sequence[str]) -> list[str]:
    """What our own providers wrote for people in the engine's output, each once."""
    reasons: list[str] = []
    for text in texts:
        for line in text.splitlines():
            found = user_message(line)
            check = CHECK_FAILURE.search(line)
            reason = found or (f"{check.group('name')}: {check.group('reason').strip()}" if check else None)
            if reason and reason not in reasons:
                reasons.append(reason)
    return reasons
