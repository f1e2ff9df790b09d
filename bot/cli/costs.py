"""`platformbot costs [--team T]`: what `/platform costs` shows, in the terminal.

Reads the bot's database (DATABASE_URL, or the SQLite file under PLATFORMBOT_DATA_DIR) and the
config's budgets and price book (PLATFORMBOT_CONFIG) for each team's limit and the currency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.root import app


@app.command()
def costs(
    team: Annotated[str | None, typer.Option(help="One team only")] = None,
) -> None:
    """Each team's monthly run-rate of live resources against its budget, dearest resources first."""
    from rich.console import Console
    from rich.table import Table

    from bot.config import ConfigError, Settings, load_app_config
    from bot.cost import PriceBookError, load_price_book
    from bot.cost.present import money
    from bot.cost.reading import live_costs
    from bot.cost.showback import spend_by_team, total
    from bot.store import Store, default_database_url

    settings = Settings()
    url = settings.database_url or default_database_url(settings.data_dir)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        typer.echo(
            f"platformbot: no database at {url.removeprefix('sqlite:///')} (set DATABASE_URL)", err=True
        )
        raise typer.Exit(2)
    budgets = {}
    currency = "EUR"
    if settings.platformbot_config is not None:
        try:
            config = load_app_config(settings.platformbot_config)
            budgets = dict(config.budgets)
            currency = load_price_book(config.prices_path).currency
        except (ConfigError, PriceBookError) as exc:
            typer.echo(f"platformbot: {exc}", err=True)
            raise typer.Exit(2) from exc
    store = Store.from_url(url)
    try:
        spends = spend_by_team(live_costs(store, team=team), budgets, currency, team=team, top=10)
    finally:
        store.dispose()
    table = Table(title=f"Monthly cost of live resources (all teams: {money(total(spends), currency)})")
    for column in ("team", "committed", "budget", "left", "live", "no estimate", "dearest"):
        table.add_column(column)
    for spend in spends:
        use = spend.budget
        limit = None if use is None else use.monthly_limit
        left = None if use is None else use.remaining
        dearest = ", ".join(
            f"{r.stack_name} {'?' if r.monthly is None else money(r.monthly, currency)}"
            for r in spend.top[:3]
        )
        table.add_row(
            spend.team,
            money(spend.committed.monthly, currency),
            "-" if limit is None else money(limit, currency),
            "-" if left is None else money(left, currency),
            str(spend.committed.resources),
            str(spend.committed.unestimated),
            dearest,
        )
    Console(width=200).print(table)
