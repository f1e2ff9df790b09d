"""What an approval ask says a new resource is created for: the team it declares."""

from __future__ import annotations

from bot.slack import request_views as views
from intents import Intent
from tests.support.request_snapshots import make_request


def test_a_new_service_is_created_for_the_team_it_declares_not_the_requesters() -> None:
    intent = Intent(path="service", name="ledger", env="dev", params={"team": "payments"})
    request = make_request(intent=intent, requester="U0DEV2", requester_team="search")
    assert views.ownership_line(request, always=True) == "creates a new service `ledger` for payments"


def test_a_new_database_is_created_for_the_requesters_team() -> None:
    intent = Intent(path="postgres-database", name="scratch", env="dev", params={"size": "small"})
    request = make_request(intent=intent, path="postgres-database", requester_team="search")
    line = views.ownership_line(request, always=True)
    assert line == "creates a new postgres-database `scratch` for search"
