"""Who is served: allow-list, admin list, rate-limited refusal log, per-user command rate."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
REFUSAL_LOG_SECONDS = 60.0


@dataclass
class _Refusals:
    last_logged: float
    suppressed: int = 0


class Gate:
    """Only allowed users reach the registry; refusals are logged at most once a minute."""

    def __init__(self, allowed: tuple[int, ...], admins: tuple[int, ...],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._allowed = frozenset(allowed)
        self._admins = frozenset(admins)
        self._monotonic = monotonic
        self._refusals: dict[int | None, _Refusals] = {}
        self.refused = 0

    def allowed(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self._allowed

    def admin(self, user_id: int) -> bool:
        return user_id in self._admins

    def refuse(self, user_id: int | None, bot: str, what: str) -> None:
        """Count and log (rate-limited per user) an update from someone not allowed."""
        self.refused += 1
        now = self._monotonic()
        seen = self._refusals.get(user_id)
        if seen is not None and now - seen.last_logged < REFUSAL_LOG_SECONDS:
            seen.suppressed += 1
            return
        more = f"; {seen.suppressed} more since the last report" if seen and seen.suppressed \
            else ""
        log.warning("Telegram %s bot: %s from unauthorized user %s ignored%s",
                    bot, what, user_id if user_id is not None else "(unknown)", more)
        if len(self._refusals) > 10_000:
            self._refusals.clear()
        self._refusals[user_id] = _Refusals(now)


class CommandRate:
    """One command start per user per N seconds; the notice is given once per window."""

    def __init__(self, seconds: Callable[[], float], monotonic: Callable[[], float]) -> None:
        self._seconds = seconds
        self._monotonic = monotonic
        self._last: dict[int, float] = {}
        self._noticed: dict[int, float] = {}
        self.dropped = 0

    def check(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, show_notice)."""
        now = self._monotonic()
        window = self._seconds()
        last = self._last.get(user_id)
        if window <= 0 or last is None or now - last >= window:
            self._last[user_id] = now
            return True, False
        self.dropped += 1
        noticed = self._noticed.get(user_id)
        if noticed is not None and noticed >= last:
            return False, False
        self._noticed[user_id] = now
        return False, True
