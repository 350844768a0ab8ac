"""Broker tagging (SPEC §5.1.5): magic numbers and order comments carrying the client id."""

from __future__ import annotations

import secrets

MAGIC_OFFSETS: dict[str, int] = {
    "manual": 0,
    "v4-logic1": 11,
    "v4-logic2": 12,
    "v4-logic3": 13,
    "v3-logic1": 31,
    "v3-logic2": 32,
    "v3-logic3": 33,
    "v6-1m": 61,
    "v6-5m": 62,
    "v6-15m": 63,
    "v6-1h": 64,
}
MAGIC_SPAN = 100
COMMENT_MAX = 31


def magic_for(strategy_code: str, magic_base: int) -> int:
    return magic_base + MAGIC_OFFSETS[strategy_code]


def is_ours(magic: int, magic_base: int) -> bool:
    return magic_base <= magic < magic_base + MAGIC_SPAN


def new_client_id() -> str:
    """Short unique id of an order intent (10 hex characters)."""
    return secrets.token_hex(5)


def make_comment(strategy_code: str, kind: str, client_id: str) -> str:
    comment = f"{strategy_code}|{kind}|{client_id}"
    if len(comment) > COMMENT_MAX:
        raise ValueError(f"order comment over {COMMENT_MAX} characters: {comment!r}")
    return comment


def client_id_of(comment: str) -> str | None:
    parts = comment.split("|")
    return parts[2] if len(parts) >= 3 and parts[2] else None
