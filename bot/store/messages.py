"""Queries for the Slack messages a request owns (bot/store/message_models.py).

The notifier writes a ref when it posts and reads it before it updates, so any process (or a
restarted one) edits the same message instead of posting a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from bot.store.engine import Store
from bot.store.message_models import SlackMessageRow


@dataclass(frozen=True)
class MessageRef:
    kind: str
    key: str
    channel: str
    ts: str


class MessageRefs:
    """Refs by request number; one per (request, kind, key), a later save replaces the ts."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, request: int, kind: str, channel: str, ts: str, key: str = "") -> None:
        with self._store.write() as session:
            row = session.exec(
                select(SlackMessageRow).where(
                    SlackMessageRow.request_id == request,
                    SlackMessageRow.kind == kind,
                    SlackMessageRow.key == key,
                )
            ).first()
            if row is None:
                row = SlackMessageRow(request_id=request, kind=kind, key=key, channel=channel, ts=ts)
            else:
                row.channel, row.ts = channel, ts
            session.add(row)

    def get(self, request: int, kind: str, key: str = "") -> MessageRef | None:
        found = [ref for ref in self.of(request, kind) if ref.key == key]
        return found[0] if found else None

    def of(self, request: int, kind: str) -> list[MessageRef]:
        with self._store.read() as session:
            rows = session.exec(
                select(SlackMessageRow)
                .where(SlackMessageRow.request_id == request, SlackMessageRow.kind == kind)
                .order_by(SlackMessageRow.id)  # type: ignore[arg-type]
            ).all()
        return [MessageRef(r.kind, r.key, r.channel, r.ts) for r in rows]


class MemoryRefs:
    """The same refs in this process only: for a notifier without a database (unit tests)."""

    def __init__(self) -> None:
        self._refs: dict[tuple[int, str, str], MessageRef] = {}

    def save(self, request: int, kind: str, channel: str, ts: str, key: str = "") -> None:
        self._refs[(request, kind, key)] = MessageRef(kind, key, channel, ts)

    def get(self, request: int, kind: str, key: str = "") -> MessageRef | None:
        return self._refs.get((request, kind, key))

    def of(self, request: int, kind: str) -> list[MessageRef]:
        return [ref for (number, k, _), ref in self._refs.items() if number == request and k == kind]
