"""Cost: the price book, estimates of real plans, budgets. Pure core; adapters live apart.

prices    the price book's models and the `Pricing` port (BookPricing: the YAML default)
loader    manifests/prices.yaml with located errors
estimate  a Plan's monthly cost before/after per resource and the request's delta
"""

from __future__ import annotations

from bot.cost.errors import CostError, PriceBookError
from bot.cost.estimate import Estimate, ResourceCost, estimate_plan
from bot.cost.loader import DEFAULT_PRICES_PATH, load_price_book, parse_price_book
from bot.cost.prices import BookPricing, PriceBook, Pricing, ResourcePrice, Usage, unpriced_paths

__all__ = [
    "DEFAULT_PRICES_PATH",
    "BookPricing",
    "CostError",
    "Estimate",
    "PriceBook",
    "PriceBookError",
    "Pricing",
    "ResourceCost",
    "ResourcePrice",
    "Usage",
    "estimate_plan",
    "load_price_book",
    "parse_price_book",
    "unpriced_paths",
]
