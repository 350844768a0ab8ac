"""The engine's status in one plain dictionary (GET /status, `v5-console exec` scripts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.engine import Engine


def status_of(engine: Engine) -> dict[str, Any]:
    trading = engine.trading
    account = trading.account if trading else None
    positions = sorted(trading.positions.values(), key=lambda p: p.ticket) if trading else []
    intake = engine.intake
    return {
        "mode": engine.settings.trading.mode,
        "paused": bool(trading and trading.paused),
        "pause_reason": trading.pause_reason if trading else None,
        "bridge_mode": engine.settings.bridge.mode,
        "balance": account.balance if account else None,
        "equity": account.equity if account else None,
        "open_positions": [
            {"ticket": p.ticket, "symbol": p.symbol, "direction": p.direction.value,
             "volume": p.volume, "price_open": p.price_open, "sl": p.sl, "tp": p.tp,
             "profit": p.profit} for p in positions],
        "queue_length": intake.queue.qsize() if intake else 0,
        "last_alert_time": (intake.stats.last_alert_at.isoformat()
                            if intake and intake.stats.last_alert_at else None),
        "webhook": engine.services.get("webhook", (False, "not started"))[1],
    }
