"""Loading manifests/prices.yaml: YAML with positions, pydantic models, then cross checks.

Like the catalog and the rulebook, a broken price book stops the bot at start, each problem
with file, line and reason (rulebook.located keeps the position of every YAML node).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import ValidationError

from bot.cost.errors import PriceBookError
from bot.cost.prices import PriceBook
from intents.catalog import Catalog
from rulebook.errors import Problem
from rulebook.located import read_located

DEFAULT_PRICES_PATH = Path(__file__).resolve().parent.parent.parent / "manifests" / "prices.yaml"


def load_price_book(path: str | Path = DEFAULT_PRICES_PATH, *, known_paths: Iterable[str] = ()) -> PriceBook:
    """Read and check the price book; PriceBookError lists every problem with file and line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceBookError([Problem(source, 1, 1, f"cannot read the price book: {exc}")]) from exc
    return parse_price_book(text, source=source, known_paths=known_paths)


def parse_price_book(text: str, *, source: str = "<prices>", known_paths: Iterable[str] = ()) -> PriceBook:
    """Like load_price_book, from text already read. `known_paths`: the catalog's golden paths,
    so a price for a path that does not exist (a typo) is a problem rather than a silent no-op."""
    located = read_located(text, source)
    if located.problems:
        raise PriceBookError(located.problems)
    if not isinstance(located.data, dict):
        raise PriceBookError(
            [located.problem((), "the price book must be a mapping with `version`, `paths`")]
        )
    try:
        book = PriceBook.model_validate(located.data)
    except ValidationError as exc:
        problems = [
            located.problem(tuple(str(p) if not isinstance(p, int) else p for p in err["loc"]), err["msg"])
            for err in exc.errors()
        ]
        raise PriceBookError(problems) from exc
    problems = []
    if book.version != 1:
        problems.append(
            located.problem(("version",), f"unsupported price book version {book.version}; read 1")
        )
    known = set(known_paths)
    for path, resources in book.paths.items():
        if known and path not in known:
            problems.append(
                located.problem(("paths", path), f"`{path}` is not a golden path of the catalog", key=True)
            )
        seen: set[str] = set()
        for index, resource in enumerate(resources):
            if resource.type in seen:
                problems.append(
                    located.problem(("paths", path, index, "type"), f"`{resource.type}` is priced twice")
                )
            seen.add(resource.type)
    if problems:
        raise PriceBookError(problems)
    return book


def load_prices(path: str | Path, catalog: Catalog, price_files: Iterable[Path] = ()) -> PriceBook:
    """The price book the bot runs with: the book at `path` and every golden-path package's price
    file (`price_files`, from discovery) merged in, each checked against `catalog`'s paths."""
    return merge_price_books(
        load_price_book(path, known_paths=catalog.names),
        {str(f): load_price_book(f, known_paths=catalog.names) for f in price_files},
    )


def merge_price_books(base: PriceBook, fragments: Mapping[str, PriceBook]) -> PriceBook:
    """The price book with golden-path packages' prices added (issue 15), `fragments` by file.

    A fragment in another currency, or pricing a path the book (or an earlier fragment) already
    prices, is a PriceBookError naming its file: one path has one price list, in one currency.
    """
    paths = dict(base.paths)
    problems: list[Problem] = []
    for file, fragment in fragments.items():
        if fragment.currency != base.currency:
            text = f"prices in {fragment.currency}, the price book's are in {base.currency}"
            problems.append(Problem(file, 1, 1, text))
        for path, resources in fragment.paths.items():
            if path in paths:
                text = f"`{path}` is priced twice (here and in another price file)"
                problems.append(Problem(file, 1, 1, text))
            paths[path] = resources
    if problems:
        raise PriceBookError(problems)
    return base.model_copy(update={"paths": paths})
