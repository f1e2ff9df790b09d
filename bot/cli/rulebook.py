"""`platformbot rulebook check|test|explain`: tools for the people who write rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.root import app

if TYPE_CHECKING:
    from intents import Catalog, Intent
    from provisioners.discovery import Registry
    from rulebook import Action, Rulebook
    from rulebook.explain import Explanation, RuleTrace

rulebook_app = typer.Typer(no_args_is_help=True, help="Check, test and explain the rulebook.")
app.add_typer(rulebook_app, name="rulebook")

# Imports of the packages happen inside the commands: `platformbot --help` stays instant.
_DEFAULT_RULEBOOK = Path(__file__).resolve().parents[2] / "manifests" / "rulebook.yaml"
_DEFAULT_TESTS = _DEFAULT_RULEBOOK.parent / "rulebook-tests"
_DEFAULT_CATALOG = _DEFAULT_RULEBOOK.parent / "catalog.yaml"

RulebookOption = Annotated[Path, typer.Option("--rulebook", "-r", help="Rulebook file.")]
CatalogOption = Annotated[Path, typer.Option("--catalog", help="Golden-path catalog (to parse intent text).")]


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _split(text: str | None) -> set[str] | None:
    return None if text is None else {part.strip() for part in text.split(",") if part.strip()}


def _config_groups(path: Path) -> set[str]:
    """Approver group names from the bot's YAML config (its `groups:` mapping)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = data.get("groups") if isinstance(data, dict) else None
    return set(groups) if isinstance(groups, dict) else set()


def _load(path: Path, known_groups: set[str] | None = None, fragments: Sequence[Path] = ()) -> Rulebook:
    from rulebook import RulebookError, load_rulebook

    try:
        return load_rulebook(path, known_groups, fragments)
    except RulebookError as exc:
        console = _console()
        for problem in exc.problems:
            console.print(escape(str(problem)), style="red")
        console.print(f"{len(exc.problems)} problem(s) in {escape(str(path))}", style="bold red")
        raise typer.Exit(1) from exc


def _golden_paths(config: Path | None) -> Registry:
    """The discovered golden paths (with the config's folders); a load error exits 1 naming it."""
    from bot.config import ConfigError, load_app_config
    from provisioners.discovery import discover
    from provisioners.errors import GoldenPathError

    try:
        return discover(load_app_config(config).golden_path_dirs if config else ())
    except (ConfigError, GoldenPathError) as exc:
        _console().print(escape(str(exc)), style="red")
        raise typer.Exit(1) from exc


@rulebook_app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Rulebook file.")] = _DEFAULT_RULEBOOK,
    groups: Annotated[
        str | None, typer.Option("--groups", help="Approver groups the bot defines, comma-separated.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Bot config YAML; its groups are known."),
    ] = None,
) -> None:
    """Load and lint a rulebook; every problem is printed as file:line:column: message."""
    known = _split(groups)
    if config is not None:
        known = (known or set()) | _config_groups(config)
    book = _load(file, known)
    stages = [rule.stage.value for rule in book.rules]
    label = f"{book.name} {book.declared_version}" if book.declared_version else book.name
    _console().print(
        f"[green]ok[/green] {escape(str(file))}: {escape(label)}, {len(stages)} rules "
        f"({stages.count('intent')} intent, {stages.count('plan')} plan), version {book.version}"
        + ("" if known is None else f", approval groups checked against: {', '.join(sorted(known))}")
    )


@rulebook_app.command("test")
def run_tests(
    paths: Annotated[list[Path] | None, typer.Argument(help="Rule-test files or directories.")] = None,
    rulebook: RulebookOption = _DEFAULT_RULEBOOK,
    catalog: CatalogOption = _DEFAULT_CATALOG,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List passing cases too.")] = False,
    config: Annotated[
        Path | None, typer.Option("--config", help="Bot config YAML (for its golden_path_dirs).")
    ] = None,
) -> None:
    """Run rule tests (YAML cases with an expected verdict and rules) against a rulebook.

    The rulebook includes every discovered golden path's rule fragment, and without named files
    the paths' own rule tests run after manifests/rulebook-tests/ (issue 15)."""
    from intents import load_catalog, parse_intent
    from rulebook.testing import run_rule_tests

    golden_paths = _golden_paths(config)
    book = _load(rulebook, fragments=golden_paths.rule_fragments())
    loaded = golden_paths.catalog(load_catalog(catalog))
    files = paths or [_DEFAULT_TESTS, *golden_paths.rule_tests()]
    report = run_rule_tests(book, files, parse_intent=lambda t: parse_intent(t, loaded))
    console = _console()
    for problem in report.errors:
        console.print(f"[red]ERROR[/red] {escape(str(problem))}")
    for result in report.results:
        where = f"{result.file}:{result.line}"
        if result.passed:
            if verbose:
                console.print(f"[green]PASS[/green] {escape(where)} {escape(result.name)}")
            continue
        console.print(f"[red]FAIL[/red] {escape(where)} {escape(result.name)}")
        for detail in result.details:
            console.print(f"     {escape(detail)}")
    if report.untested_rules:
        console.print(f"[yellow]rules no case expects to fire:[/yellow] {', '.join(report.untested_rules)}")
    total = len(report.results)
    style = "green" if report.ok else "red"
    errors = f", {len(report.errors)} file error(s)" if report.errors else ""
    console.print(f"[{style}]{report.passed}/{total} passed, {report.failed} failed{errors}[/{style}]")
    if not report.ok:
        raise typer.Exit(1)


@rulebook_app.command("explain")
def explain_command(
    text: Annotated[str, typer.Argument(help='Intent text, e.g. "postgres-database name=billing env=prod".')],
    as_user: Annotated[str, typer.Option("--as", help="Slack user id of the requester.")] = "U0EXPLAIN",
    team: Annotated[str | None, typer.Option("--team", help="The requester's team.")] = None,
    groups: Annotated[str | None, typer.Option("--groups", help="Requester's groups: a,b")] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="ISO time (no offset: rulebook zone). Default: now."),
    ] = None,
    action: Annotated[str, typer.Option("--action", help="apply or destroy.")] = "apply",
    plan: Annotated[Path | None, typer.Option("--plan", help="YAML plan facts {changes, counts}.")] = None,
    rulebook: RulebookOption = _DEFAULT_RULEBOOK,
    catalog: CatalogOption = _DEFAULT_CATALOG,
) -> None:
    """Show every rule, whether it matched this request, and why."""
    from intents import load_catalog
    from rulebook import Actor
    from rulebook.explain import explain

    console = _console()
    if action not in ("apply", "destroy"):
        console.print(f"[red]--action must be apply or destroy, not {escape(action)}[/red]")
        raise typer.Exit(2)
    try:
        moment = datetime.fromisoformat(at) if at else datetime.now(UTC)
    except ValueError as exc:
        console.print(f"[red]--at: not an ISO time: {escape(at or '')}[/red]")
        raise typer.Exit(2) from exc
    book = _load(rulebook)
    intent = _intent(text, load_catalog(catalog), console)
    actor = Actor(user_id=as_user, team=team, groups=tuple(sorted(_split(groups) or ())))
    facts = _plan_facts(plan) if plan is not None else None
    action_: Action = "destroy" if action == "destroy" else "apply"
    _render(console, book, explain(book, intent, actor, moment, action=action_, plan=facts))


def _intent(text: str, catalog: Catalog, console: Console) -> Intent:
    """The parsed intent; if the catalog refuses the text, the values as typed, so the rules can
    still be explained (the bot itself would stop at the catalog's message)."""
    from intents import IntentError, parse_intent

    try:
        return parse_intent(text, catalog)
    except IntentError as exc:
        console.print("[yellow]The catalog refuses this text; the bot would answer:[/yellow]")
        console.print(escape(str(exc)))
        if exc.path is None or "name" not in exc.given:
            raise typer.Exit(1) from exc
        console.print("[yellow]Explaining the rules on the values as typed.[/yellow]\n")
        return _as_typed(exc.path, dict(exc.given), catalog)


def _as_typed(path_name: str, given: dict[str, Any], catalog: Catalog) -> Intent:
    """An Intent from values the catalog refused: its defaults filled in, lists split."""
    from intents import Intent

    path = catalog.find(path_name)
    specs = path.parameters if path is not None else {}
    default_env = path.default_env if path is not None else None
    name, env = str(given.pop("name")), str(given.pop("env", default_env or ""))
    params: dict[str, Any] = {k: s.default for k, s in specs.items() if k != "name" and s.default is not None}
    for key, value in given.items():
        is_list = key in specs and specs[key].type == "list" and isinstance(value, str)
        params[key] = tuple(value.split(",")) if is_list else value
    return Intent(path=path_name, name=name, env=env, params=params)


def _plan_facts(path: Path) -> Any:
    import yaml

    from rulebook import PlanFacts

    return PlanFacts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


_OUTCOME = {
    "matched": "[bold green]MATCHED[/bold green]",
    "not_matched": "[dim]no     [/dim]",
    "failed": "[bold red]FAILED [/bold red]",
    "skipped": "[dim]skipped[/dim]",
}
_VERDICT_STYLE = {"allow": "green", "warn": "yellow", "require_approval": "yellow", "deny": "red"}
_INDENT = " " * 10


def _render(console: Console, book: Rulebook, explanation: Explanation) -> None:
    facts = explanation.facts
    intent, actor, now = facts["intent"], facts["actor"], facts["now"]
    params = " ".join(f"{k}={_show(v)}" for k, v in intent["params"].items())
    console.print(
        f"[bold]{escape(intent['path'])}[/bold] name={escape(intent['name'])} env={escape(intent['env'])} "
        f"{escape(params)}  action={facts['action']}"
    )
    console.print(
        f"as {escape(actor['user_id'])} (team {escape(str(actor['team']))}, groups {actor['groups'] or '-'}) "
        f"at {now['date']} {now['hour']:02d}:{now['minute']:02d} {now['timezone']} "
        f"(weekday {now['weekday']}); rulebook {escape(book.name)} {book.version}\n"
    )
    for trace in explanation.rules:
        console.print(
            f"{_OUTCOME[trace.outcome]}   [bold]{escape(trace.rule_id)}[/bold]  [dim]{_effect(trace)}[/dim]"
        )
        for line in _why(trace):
            console.print(f"{_INDENT}{line}")
    decision = explanation.decision
    style = _VERDICT_STYLE[decision.verdict.value]
    console.print(f"\nverdict: [bold {style}]{decision.verdict.value}[/bold {style}]")
    for need in decision.approvals:
        console.print(f"  needs {need.count} approval(s) from [bold]{escape(need.group)}[/bold]")
    for failure in decision.failures:
        console.print(f"  [red]could not evaluate {escape(failure.rule_id)}: {escape(failure.reason)}[/red]")
    fired = ", ".join(decision.rule_ids) or "none"
    console.print(f"  rules that fired: {escape(fired)}")


def _effect(trace: RuleTrace) -> str:
    effect = f"{trace.stage.value} · {trace.effect.value}"
    if trace.approval is not None:
        effect += f" ({trace.approval.count} × {escape(trace.approval.group)})"
    return effect


def _why(trace: RuleTrace) -> list[str]:
    # The clauses already show why a rule matched or not; failures and skips need the reason.
    lines = (
        [] if trace.outcome in ("matched", "not_matched") else [f"[italic]{escape(trace.reason)}[/italic]"]
    )
    for clause in trace.clauses:
        source = escape(" ".join(clause.source.split()))
        if clause.error is not None:
            lines.append(f"[red]![/red] {source}  [red]{escape(clause.error)}[/red]")
        elif clause.value is None:
            lines.append(f"[dim]· {source}  (not needed)[/dim]")
        else:
            mark = {"true": "[green]✓[/green]", "false": "[red]✗[/red]"}.get(clause.value, "=")
            lines.append(f"{mark} {source}  [dim]→ {escape(clause.value)}[/dim]")
    if trace.message:
        lines.append(f"[bold]{escape(trace.message)}[/bold]")
    if trace.remediation:
        lines.append(f"fix: {escape(trace.remediation)}")
    return lines


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(map(str, value)) or "[]"
    return str(value)
