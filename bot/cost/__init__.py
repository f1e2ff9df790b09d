"""Cost: the price book, estimates of real plans, budgets. Pure core; adapters live apart.

prices    the price book's models and the `Pricing` port (BookPricing: the YAML default)
loader    manifests/prices.yaml with located errors
estimate  a Plan's monthly cost before/after per resource and the request's delta
budgets, showback   a team's committed run-rate against its budget; per team and golden path
history   the run-rate at any past moment, replayed from stored applies and destroys (the trend)
view, chart, slack  `/platform costs [team|path] [30d|90d]`: figures, the weekly PNG, the answer
focus, attribution, bill, imports   a FinOps FOCUS export: parsed whole or refused by line,
          joined to the labels (tags, resource ids), estimate against actual, share attributed
digest    the weekly digest's cost line
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
