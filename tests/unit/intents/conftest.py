"""Fixtures for the intents tests: the shipped catalog and a test catalog with every parameter type."""

from __future__ import annotations

import pytest

from intents import Catalog, load_catalog, parse_catalog

KITCHEN_SINK = """\
version: 1
patterns:
  platform-name:
    regex: "[a-z][a-z0-9-]{2,39}"
    words: lower-case letters, digits and hyphens, starting with a letter, 3 to 40 characters
  token:
    regex: "[A-Za-z0-9]{8,64}"
    words: 8 to 64 letters or digits
paths:
  - name: kitchen-sink
    aliases: [sink]
    description: Every parameter type.
    owner: team-test
    program: kitchen-sink
    environments: [dev, prod]
    default_env: dev
    parameters:
      name: {type: string, required: true, pattern: platform-name}
      replicas: {type: int, min: 1, max: 10, default: 2}
      port: {type: int, min: 1024}
      weight: {type: int, max: 5}
      any_int: {type: int}
      debug: {type: bool, default: false}
      tier: {type: enum, allowed: [gold, silver]}
      tags: {type: list, max: 3}
      zones: {type: list, allowed: [a, b, c], min: 1}
      note: {type: string, min: 2, max: 20}
      motto: {type: string}
      title: {type: string, min: 3}
      api_token: {type: string, secret: true, pattern: token, label: API token}
"""


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def sink() -> Catalog:
    return parse_catalog(KITCHEN_SINK, source="sink.yaml")
