"""The golden-path Pulumi programs, keyed by the catalog's `program` field."""

from __future__ import annotations

from provisioners.programs import postgres, service
from provisioners.programs.base import GoldenPathProgram, PulumiProgram

PROGRAMS: dict[str, GoldenPathProgram] = {
    postgres.PROGRAM.name: postgres.PROGRAM,
    service.PROGRAM.name: service.PROGRAM,
}

__all__ = ["PROGRAMS", "GoldenPathProgram", "PulumiProgram"]
