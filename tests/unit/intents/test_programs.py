"""Every catalog entry maps to a provisioner program and every program has a catalog entry."""

from __future__ import annotations

from intents import Catalog


def test_catalog_programs_and_provisioner_programs_match(catalog: Catalog) -> None:
    from provisioners.programs import PROGRAMS

    in_catalog = {path.program for path in catalog.paths}
    assert in_catalog - set(PROGRAMS) == set(), "catalog entries without a provisioner program"
    assert set(PROGRAMS) - in_catalog == set(), "provisioner programs without a catalog entry"
