"""`platformbot paths list`: every golden path this bot would offer, where it came from, its version.

Registered in bot/cli/root.py; this module holds the work so `platformbot --help` imports nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def list_paths(config_path: Path | None, console: Console | None = None) -> int:
    """Print the table; 1 (and the located reason) when the config or a golden path cannot load."""
    from bot.config import ConfigError, load_app_config
    from provisioners.discovery import discover
    from provisioners.errors import GoldenPathError

    console = console or Console(highlight=False, soft_wrap=True)
    try:
        dirs = load_app_config(config_path).golden_path_dirs if config_path else ()
        registry = discover(dirs)
    except (ConfigError, GoldenPathError) as exc:
        console.print(escape(str(exc)), style="red")
        return 1
    table = Table(box=None, pad_edge=False)
    for column in ("name", "source", "version", "owner"):
        table.add_column(column, no_wrap=column in ("name", "version"))
    for loaded in registry.paths:
        table.add_row(loaded.name, loaded.source, loaded.version, loaded.entry.owner)
    console.print(table)
    return 0


def new_path(name: str, parent: Path, owner: str, console: Console | None = None) -> int:
    """`platformbot paths new`: write the package; 1 with the reason when it cannot."""
    from provisioners.scaffold import ScaffoldError, module_name, scaffold

    console = console or Console(highlight=False, soft_wrap=True)
    try:
        target = scaffold(name, parent, owner=owner)
    except ScaffoldError as exc:
        console.print(escape(str(exc)), style="red")
        return 1
    console.print(f"[green]created[/green] {escape(str(target))} (package {module_name(name)})")
    console.print(f"next: pip install -e {escape(str(target))} && platformbot paths test {escape(name)}")
    return 0


def test_paths(name: str | None, config_path: Path | None, console: Console | None = None) -> int:
    """`platformbot paths test`: each path's rule tests, then a preview of its example request on
    a throwaway stack (a local backend in a temporary folder, removed afterwards). 0 when all pass."""
    import secrets
    import tempfile

    from bot.config import ConfigError, load_app_config, path_settings
    from intents import CatalogError, IntentError, load_catalog, parse_intent
    from provisioners.discovery import BUILT_IN, discover
    from provisioners.errors import GoldenPathError, ProvisionerError
    from provisioners.labels import unlabelled_creates
    from provisioners.runner import Runner
    from provisioners.settings import RunnerSettings
    from rulebook import DEFAULT_RULEBOOK_PATH, RulebookError, load_rulebook
    from rulebook.testing import run_rule_tests

    console = console or Console(highlight=False, soft_wrap=True)
    try:
        config = load_app_config(config_path) if config_path else None
        registry = discover(config.golden_path_dirs if config else ())
        catalog = registry.catalog(load_catalog(config.catalog_path) if config else None)
        book = load_rulebook(
            config.rulebook_path if config else DEFAULT_RULEBOOK_PATH,
            set(config.groups) if config else None,
            registry.rule_fragments(),
        )
    except (ConfigError, GoldenPathError, CatalogError, RulebookError) as exc:
        console.print(escape(str(exc)), style="red")
        return 1
    chosen = [p for p in registry.paths if name in (None, p.name)]
    if name is not None and not chosen:
        console.print(f"no golden path called `{escape(name)}` (see `platformbot paths list`)", style="red")
        return 1
    if name is None:  # the shipped paths' tests run with `platformbot rulebook test`
        chosen = [p for p in chosen if p.source != BUILT_IN]
    settings_by_path = path_settings(config, os.environ) if config else {}
    failed = False
    for loaded in chosen:
        label = escape(loaded.name)
        if loaded.path.rule_tests is not None:
            report = run_rule_tests(
                book, [loaded.path.rule_tests], parse_intent=lambda t: parse_intent(t, catalog)
            )
            for problem in report.errors:
                console.print(f"[red]ERROR[/red] {escape(str(problem))}")
            for result in report.results:
                if not result.passed:
                    where = escape(f"{result.file}:{result.line}")
                    console.print(f"[red]FAIL[/red] {where} {escape(result.name)}")
                    for detail in result.details:
                        console.print(f"     {escape(detail)}")
            style = "green" if report.ok else "red"
            passed = f"{report.passed}/{len(report.results)} passed"
            console.print(f"{label}: rule tests [{style}]{passed}[/{style}]")
            failed |= not report.ok
        else:
            console.print(f"{label}: [yellow]no rule tests[/yellow]")
        example = loaded.path.example or f"{loaded.name} name=example env={loaded.entry.environments[0]}"
        with tempfile.TemporaryDirectory(prefix="platformbot-paths-test-") as scratch:
            settings = RunnerSettings(
                state_dir=Path(scratch) / "state",
                work_dir=Path(scratch) / "work",
                passphrase=secrets.token_hex(16),
                path_settings=settings_by_path,
            )
            runner = Runner(
                settings,
                programs=registry.programs(),
                program_for_path={p.name: p.program for p in catalog.paths},
            )
            try:
                plan = runner.preview(parse_intent(example, catalog))
            except (IntentError, ProvisionerError) as exc:
                # A ProvisionerError's message is written for people; an IntentError's too.
                reason = escape(str(exc))
                console.print(f"{label}: preview of `{escape(example)}` [red]failed[/red]: {reason}")
                failed = True
                continue
        counts = ", ".join(f"{n} to {op}" for op, n in plan.counts.items()) or "no changes"
        bare = unlabelled_creates(plan.changes)
        if bare:
            # The bot's rulebook would deny this plan (creates-must-carry-labels): say so here first.
            console.print(
                f"{label}: preview of `{escape(example)}` [red]creates resources without their labels[/red]: "
                f"{escape(', '.join(bare))} (pass labels.as_input() as the `labels` input of every resource)"
            )
            failed = True
            continue
        console.print(f"{label}: preview of `{escape(example)}` [green]ok[/green]: {counts}")
    return 1 if failed else 0
