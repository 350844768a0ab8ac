"""The notification outbox: durable, ordered per bot role, acknowledged only after delivery.

Producers (the notification center) `put` a message before anything is sent; a delivery
channel (the Telegram front end) reads `pending(role)` oldest first and `mark_sent` each one
after Telegram accepted it. A crash or an outage loses nothing, and order is kept per role.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from core.storage.store import Store

JOURNAL = "outbox"
CURSORS = "outbox_cursors"
ROLES = ("controller", "notification", "analytics")


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message for one bot role (SPEC §9.1 roles)."""

    role: str  # controller | notification | analytics
    type: str  # notification type of SPEC §9.2 (entry, sl_hit, daily_summary, command_reply...)
    priority: int  # CRITICAL 5, HIGH 4, MEDIUM 3, LOW 2, INFO 1
    text: str
    silent: bool = False
    created_at: str = ""
    attachment_path: str | None = None  # a file to send as document or photo
    attachment_kind: str | None = None  # document | photo | voice
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    number: int  # the journal record number: the delivery order
    message: OutboundMessage


class Outbox:
    """Durable queue over the store's `outbox` journal with one cursor per role."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._cursors: dict[str, int] = {
            role: int((store.get(CURSORS, role) or {}).get("sent_through", 0)) for role in ROLES}

    def put(self, message: OutboundMessage, now: datetime) -> int:
        if message.role not in ROLES:
            raise ValueError(f"unknown bot role {message.role!r}; use one of {ROLES}")
        doc = asdict(message)
        doc["created_at"] = message.created_at or now.isoformat()
        return self._store.append(JOURNAL, doc)

    def pending(self, role: str, limit: int = 100) -> list[OutboxItem]:
        """Undelivered messages of one role, oldest first."""
        cursor = self._cursors[role]
        items: list[OutboxItem] = []
        for doc in self._store.scan(JOURNAL, since_record=cursor):
            if doc["_no"] <= cursor or doc["role"] != role:
                continue
            fields = {k: v for k, v in doc.items() if not k.startswith("_")}
            items.append(OutboxItem(int(doc["_no"]), OutboundMessage(**fields)))
            if len(items) >= limit:
                break
        return items

    def mark_sent(self, role: str, number: int) -> None:
        """Delivery confirmed through `number` (messages of a role are sent in order)."""
        with self._lock:
            if number > self._cursors[role]:
                self._cursors[role] = number
                self._store.put(CURSORS, role, {"sent_through": number})

    def backlog(self, role: str) -> int:
        return len(self.pending(role, limit=100_000))
