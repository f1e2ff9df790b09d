"""The price book's models and the `Pricing` port: what one resource costs a month.

Pure: plain pydantic models over Decimal money. The YAML book (bot.cost.loader) is the embedded
default; a team can hand the estimator any other `Pricing` (negotiated rates, a FOCUS price list).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator


class Usage(BaseModel):
    """An assumed monthly quantity of something metered (CI minutes), priced per unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    quantity: Decimal = Field(ge=0)
    unit: str = Field(min_length=1)
    unit_price: Decimal = Field(ge=0)

    @property
    def monthly(self) -> Decimal:
        return self.quantity * self.unit_price


class ResourcePrice(BaseModel):
    """The monthly price of one resource type: flat, by one input's value, plus assumed usage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(min_length=1)
    monthly: Decimal | None = Field(default=None, ge=0)
    by: str | None = None
    prices: dict[str, Decimal] = Field(default_factory=dict)
    usage: tuple[Usage, ...] = ()

    @model_validator(mode="after")
    def _priced_somehow(self) -> ResourcePrice:
        if self.by is None and self.prices:
            raise ValueError("`prices` needs `by`: the input whose value picks the price")
        if self.by is not None and not self.prices:
            raise ValueError("`by` needs `prices`: a monthly price for each value of the input")
        if self.monthly is None and self.by is None and not self.usage:
            raise ValueError("a resource needs `monthly`, `by` with `prices`, or `usage`")
        if any(p < 0 for p in self.prices.values()):
            raise ValueError("prices cannot be negative")
        return self

    def price(self, inputs: dict[str, JsonValue]) -> Decimal | None:
        """The monthly price for these inputs; None when the input that picks it is unknown."""
        total = (self.monthly or Decimal(0)) + sum((u.monthly for u in self.usage), Decimal(0))
        if self.by is None:
            return total
        chosen = self.prices.get(_key(inputs.get(self.by)))
        return None if chosen is None else total + chosen


def _key(value: JsonValue) -> str:
    # YAML keys are strings; a plan shows ints and bools as JSON values.
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


class PriceBook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    source: str = Field(min_length=1)
    effective: date
    paths: dict[str, tuple[ResourcePrice, ...]] = Field(default_factory=dict)

    def resource(self, path: str, resource_type: str) -> ResourcePrice | None:
        return next((r for r in self.paths.get(path, ()) if r.type == resource_type), None)


class Pricing(Protocol):
    """Where prices come from. `monthly` is None when this source has no price (never 0 for unknown)."""

    @property
    def currency(self) -> str: ...

    def priced_paths(self) -> frozenset[str]: ...

    def monthly(self, path: str, resource_type: str, inputs: dict[str, JsonValue]) -> Decimal | None: ...


class BookPricing:
    """The embedded default `Pricing`: the YAML price book."""

    def __init__(self, book: PriceBook) -> None:
        self.book = book

    @property
    def currency(self) -> str:
        return self.book.currency

    def priced_paths(self) -> frozenset[str]:
        return frozenset(self.book.paths)

    def monthly(self, path: str, resource_type: str, inputs: dict[str, JsonValue]) -> Decimal | None:
        found = self.book.resource(path, resource_type)
        return None if found is None else found.price(inputs)


def unpriced_paths(pricing: Pricing, paths: list[str]) -> list[str]:
    """The golden paths this pricing source has nothing for: shown as "no estimate" by doctor."""
    priced = pricing.priced_paths()
    return [p for p in paths if p not in priced]
