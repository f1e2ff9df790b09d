"""The two golden paths platformbot ships, declared through the same API a package uses.

Their catalog entries stay in manifests/catalog.yaml (the file the bot has always read), their
rule tests in manifests/rulebook-tests/ and their prices in manifests/prices.yaml.
"""

from __future__ import annotations

from pathlib import Path

from provisioners.golden_path import GoldenPath
from provisioners.programs import postgres, service

MANIFESTS = Path(__file__).resolve().parent.parent / "manifests"

POSTGRES_DATABASE = GoldenPath(
    name="postgres-database",
    catalog=MANIFESTS / "catalog.yaml",
    program=postgres.PROGRAM,
    rule_tests=MANIFESTS / "rulebook-tests" / "postgres.yaml",
    prices=MANIFESTS / "prices.yaml",
)

SERVICE = GoldenPath(
    name="service",
    catalog=MANIFESTS / "catalog.yaml",
    program=service.PROGRAM,
    rule_tests=MANIFESTS / "rulebook-tests" / "services.yaml",
    prices=MANIFESTS / "prices.yaml",
    templates=service.TEMPLATE_DIR,
)

SHIPPED: tuple[GoldenPath, ...] = (POSTGRES_DATABASE, SERVICE)
