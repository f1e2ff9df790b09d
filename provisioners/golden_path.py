"""The golden-path API: what a platform team's package declares to add a path to the bot.

A package exposes one `GoldenPath` value (conventionally `GOLDEN_PATH` in its top module) and
names it in the entry-point group `platformbot.golden_paths`:

    [project.entry-points."platformbot.golden_paths"]
    redis-cache = "platformbot_redis_cache:GOLDEN_PATH"

or lives in a folder named in the config's `golden_path_dirs`. provisioners.discovery finds,
checks and loads them. Everything here is plain data; nothing runs at import.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from intents.catalog import NamedPattern
from intents.golden_path import GoldenPath as CatalogEntry
from provisioners.programs.base import GoldenPathProgram

ENTRY_POINT_GROUP = "platformbot.golden_paths"


@dataclass(frozen=True)
class GoldenPath:
    """One golden path: its catalog entry, its program and what goes with them.

    `catalog` is a YAML file in the schema of manifests/catalog.yaml (version, patterns, paths)
    holding an entry called `name` (other entries in it are ignored: the shipped paths share
    one file). `program` builds the Pulumi program (pure; see GoldenPathProgram): its `build`
    receives the request's attribution labels as its one labels input (provisioners.labels) and
    must put them on every resource; a create without them is denied at the plan stage. The optional
    files are a rulebook fragment (`rules`) with its rule tests (`rule_tests`), a price-book
    fragment (`prices`, in the schema of manifests/prices.yaml) and a template folder
    (`templates`). `defined_at` is where the value was written (file, line), recorded so a load
    error or a clash of names can point there.
    """

    name: str
    catalog: Path
    program: GoldenPathProgram
    rules: Path | None = None
    rule_tests: Path | None = None
    prices: Path | None = None
    templates: Path | None = None
    # Keys this path needs in RunnerSettings.path_settings[name] (config `paths:`); without one
    # the path is offered as unavailable, naming the key, instead of failing at preview.
    settings: tuple[str, ...] = ()
    # A request as a developer would type it (`redis-cache name=demo env=dev`), which
    # `platformbot paths test` previews; None: name=example in the entry's first environment.
    example: str | None = None
    defined_at: tuple[str, int] = field(default=("<unknown>", 0), compare=False)

    def __post_init__(self) -> None:
        if self.defined_at == ("<unknown>", 0):
            # Frame 0 is this method, 1 the dataclass __init__, 2 whoever wrote GoldenPath(...).
            caller = sys._getframe(2)
            object.__setattr__(self, "defined_at", (caller.f_code.co_filename, caller.f_lineno))

    @property
    def secret_outputs(self) -> frozenset[str]:
        """Outputs only the owning team sees (by DM), never in a thread or a log."""
        return self.program.secret_outputs


@dataclass(frozen=True)
class LoadedPath:
    """A discovered golden path with its checked catalog entry and where it came from.

    `source` says how it was found, for people: `package platformbot-redis-cache`,
    `folder /srv/paths`, `built in`. `version` is the distribution's version, or the package's
    `__version__` for a folder, or platformbot's own for the shipped paths.
    """

    path: GoldenPath
    entry: CatalogEntry
    patterns: dict[str, NamedPattern]
    source: str
    version: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def where(self) -> str:
        """The source and the file:line of the GoldenPath value, as errors name it."""
        file, line = self.path.defined_at
        return f"{self.source} ({file}:{line})"
