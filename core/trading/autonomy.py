"""The autonomous system's safety limits (SPEC §6.6) and profit protection (SPEC §6.7).

Public interface (stable; the re-entry engine and the profit-booking pyramid share ONE
instance, `engine.reentry.autonomy`, so their recoveries count against the same limits):

    autonomy = Autonomy(lambda: engine.settings, engine.store, engine.bus, engine.clock,
                        lambda: engine.risk.counters.trading_day)
    ok, why = autonomy.may_start(now, chain_id)   # before opening any recovery order
    autonomy.record_attempt(chain_id, now)        # right after it was placed
    autonomy.record_result(chain_id, profit, now) # when that recovery order closed
    autonomy.release(chain_id)                    # when the chain ends: frees its slot
    autonomy.status(now) -> dict                  # counters, limits, cooldown, slots

    ok, why = protection_allows(settings, "A" | "B", chain_profit, lot, sl_pips, pip_value)

A chain holds one concurrency slot from its first recovery attempt until `release`; a chain
that already holds a slot is never refused for concurrency. Counters reset at the daily
reset (`DailyReset` event, or at start-up when the stored trading day differs). State is
persisted in the store table "autonomy" so limits survive restarts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.config.settings import Settings
from core.events import DailyReset, Event, EventBus
from core.infra.events import OperatorNotice
from core.risk.gates import usd
from core.storage.store import Store

TABLE = "autonomy"
KEY = "state"


def _fresh(day: str) -> dict[str, Any]:
    return {"trading_day": day, "attempts": 0, "losses": 0, "pnl": 0.0, "slots": {},
            "suspended_until": None}


class Autonomy:
    def __init__(self, settings: Callable[[], Settings], store: Store, bus: EventBus,
                 clock: Clock, trading_day: Callable[[], str]) -> None:
        self._settings = settings
        self._store = store
        self._bus = bus
        self._clock = clock
        self._day = trading_day
        stored = store.get(TABLE, KEY)
        self._state: dict[str, Any] = (
            {k: v for k, v in stored.items() if not k.startswith("_")} if stored
            else _fresh(trading_day()))
        if self._state.get("trading_day") != trading_day():
            self._reset(trading_day())  # the process was down at the reset (SPEC §5.4.5)
        bus.listen(self._on_reset, (DailyReset,))

    # -- the limits --------------------------------------------------------------------------
    def may_start(self, now: datetime, chain_id: str | None = None) -> tuple[bool, str]:
        """Whether a recovery may open now; the reason in words when not."""
        settings = self._settings()
        if not settings.reentry.autonomous_enabled:
            return False, "autonomous system is off (/autonomous on)"
        safety = settings.reentry.safety
        s = self._state
        if s["attempts"] >= safety.max_attempts_per_day:
            return False, (f"daily recovery attempts used ({s['attempts']}/"
                           f"{safety.max_attempts_per_day})")
        if s["losses"] >= safety.max_losses_per_day:
            return False, f"daily recovery losses reached ({s['losses']}/" \
                          f"{safety.max_losses_per_day})"
        until = s.get("suspended_until")
        if until and now < datetime.fromisoformat(until):
            return False, f"autonomous cooldown until {until[11:16]} UTC"
        if chain_id not in s["slots"] and len(s["slots"]) >= safety.max_concurrent:
            return False, (f"{len(s['slots'])} recoveries active (max "
                           f"{safety.max_concurrent}): waiting for a slot")
        return True, "within the autonomous limits"

    def record_attempt(self, chain_id: str, now: datetime) -> None:
        self._state["attempts"] += 1
        self._state["slots"][chain_id] = now.isoformat()
        self._check_limit(now)
        self._save()

    def record_result(self, chain_id: str, profit: float, now: datetime) -> None:
        self._state["pnl"] = round(float(self._state["pnl"]) + profit, 2)
        if profit < 0:
            self._state["losses"] += 1
        self._check_limit(now)
        self._save()

    def release(self, chain_id: str) -> None:
        if self._state["slots"].pop(chain_id, None) is not None:
            self._save()

    def holds(self, chain_id: str) -> bool:
        return chain_id in self._state["slots"]

    def status(self, now: datetime) -> dict[str, Any]:
        safety = self._settings().reentry.safety
        s = self._state
        ok, why = self.may_start(now, "")
        return {"enabled": self._settings().reentry.autonomous_enabled,
                "trading_day": s["trading_day"], "attempts": s["attempts"],
                "max_attempts": safety.max_attempts_per_day, "losses": s["losses"],
                "max_losses": safety.max_losses_per_day, "active": len(s["slots"]),
                "max_concurrent": safety.max_concurrent, "slots": dict(s["slots"]),
                "suspended_until": s.get("suspended_until"), "pnl_today": s["pnl"],
                "cooldown_hours": safety.cooldown_hours, "may_start": ok, "reason": why}

    # -- internals ---------------------------------------------------------------------------
    def _check_limit(self, now: datetime) -> None:
        """The first time a daily limit is hit: suspend for the cooldown and say so."""
        safety = self._settings().reentry.safety
        s = self._state
        hit = (s["attempts"] >= safety.max_attempts_per_day
               or s["losses"] >= safety.max_losses_per_day)
        if not hit or s.get("limit_day") == s["trading_day"]:
            return  # once per trading day: the counters keep refusing until the reset
        until = now + timedelta(hours=safety.cooldown_hours)
        s["suspended_until"], s["limit_day"] = until.isoformat(), s["trading_day"]
        self._bus.publish(OperatorNotice(
            type="autonomous_limit_reached", title="Autonomous limit reached",
            lines=(f"attempts {s['attempts']}/{safety.max_attempts_per_day}, losses "
                   f"{s['losses']}/{safety.max_losses_per_day}",
                   f"all recoveries suspended until {until:%H:%M} UTC and the daily reset")))

    def _on_reset(self, event: Event) -> None:
        assert isinstance(event, DailyReset)
        self._reset(event.trading_day)

    def _reset(self, day: str) -> None:
        """Counters restart; the slots of running chains and the cooldown end stay."""
        slots = self._state.get("slots", {})
        until = self._state.get("suspended_until")
        self._state = {**_fresh(day), "slots": slots, "suspended_until": until}
        self._save()

    def _save(self) -> None:
        self._store.put(TABLE, KEY, self._state)


def protection_allows(settings: Settings, family: str, chain_profit: float, lot: float,
                      sl_pips: float, pip_value: float) -> tuple[bool, str]:
    """SPEC §6.7: below the mode's minimum chain profit anything goes; above it the chain
    profit must exceed the recovery's potential loss × the mode multiplier."""
    pp = settings.reentry.profit_protection
    if not (pp.apply_to_order_a if family == "A" else pp.apply_to_order_b):
        return True, "profit protection off for this side"
    row = pp.modes[pp.mode]
    risk = lot * sl_pips * pip_value
    if chain_profit < row.min_chain_profit:
        return True, f"chain profit {usd(chain_profit)} below the {pp.mode} minimum " \
                     f"{usd(row.min_chain_profit)}"
    if chain_profit > risk * row.multiplier:
        return True, f"chain profit {usd(chain_profit)} > {usd(risk)} risk × {row.multiplier:g}"
    return False, (f"PROFIT_PROTECTION: chain profit {usd(chain_profit)} ≤ {usd(risk)} risk × "
                   f"{row.multiplier:g} ({pp.mode})")
