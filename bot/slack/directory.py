"""Who belongs to which approver group, read from Slack and cached.

Besides the config's groups, `team:<team>` is the team's members (the config's `teams`) and
`owner:<user id>` that one person: the owners of a resource (bot.workflow.ownership).

`usergroups.users.list` is Tier 2 (about 20 calls a minute), so members are cached per group for
`ttl_seconds`; groups given as fixed user ids never call Slack.

`unknown_people` asks `users.info` (Tier 4) about each id a request names; who is a person is
cached for `ttl_seconds` too. Slack answers `user_not_found` for an id that does not exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ApproverGroup
from bot.workflow.ownership import OWNER_GROUP, TEAM_GROUP


class SlackDirectory:
    def __init__(
        self,
        client: WebClient,
        groups: Mapping[str, ApproverGroup],
        ttl_seconds: float = 300,
        monotonic: Callable[[], float] = time.monotonic,
        teams: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self._client = client
        self._groups = dict(groups)
        self._teams = {team: frozenset(members) for team, members in (teams or {}).items()}
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._people: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def members(self, group: str) -> frozenset[str]:
        if group.startswith(TEAM_GROUP):
            return self._teams.get(group.removeprefix(TEAM_GROUP), frozenset())
        if group.startswith(OWNER_GROUP):
            owner = group.removeprefix(OWNER_GROUP)
            return frozenset({owner}) if owner else frozenset()
        spec = self._groups.get(group)
        if spec is None:
            return frozenset()
        if not spec.usergroup_id:
            return frozenset(spec.user_ids)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(group)
            if cached and now - cached[0] < self._ttl:
                return cached[1]
        response = self._client.usergroups_users_list(usergroup=spec.usergroup_id)
        members = frozenset(str(u) for u in response.get("users") or [])
        with self._lock:
            self._cache[group] = (now, members)
        return members

    def groups_of(self, user_id: str) -> tuple[str, ...]:
        return tuple(sorted(name for name in self._groups if user_id in self.members(name)))

    def unknown_people(self, user_ids: Collection[str]) -> list[str]:
        unknown = []
        for user_id in dict.fromkeys(user_ids):
            if not self._is_person(user_id):
                unknown.append(user_id)
        return unknown

    def _is_person(self, user_id: str) -> bool:
        now = self._monotonic()
        with self._lock:
            cached = self._people.get(user_id)
            if cached and now - cached[0] < self._ttl:
                return cached[1]
        try:
            user = self._client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            # Anything but "no such user" (rate limit, auth) is not an answer about the person.
            if exc.response.get("error") not in ("user_not_found", "user_not_visible"):
                raise
            user = {}
        person = bool(user) and not user.get("deleted") and not user.get("is_bot")
        with self._lock:
            self._people[user_id] = (now, person)
        return person
