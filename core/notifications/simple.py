"""Notices for the events that map one to one onto a SPEC §9.2 type (no state needed)."""

from __future__ import annotations

from datetime import datetime

from core.analytics.labels import classify
from core.clock import fmt_time
from core.events import (
    ConfigChanged,
    DailyLossLimit,
    DailyLossWarning,
    Event,
    LifetimeLossLimit,
    LotReduced,
    OrderRejected,
    ProfitTargetReached,
    RiskBlocked,
    SessionChanged,
    SessionForceClose,
    SessionStarting,
    TradingStateChanged,
    WeekendClosure,
)
from core.infra.events import OperatorNotice
from core.notifications import messages as msg
from core.notifications.notice import Notice
from core.voice import sentences

EVENTS: tuple[type[Event], ...] = (
    OrderRejected, TradingStateChanged, DailyLossWarning, DailyLossLimit, LifetimeLossLimit,
    ProfitTargetReached, RiskBlocked, LotReduced, ConfigChanged, SessionStarting,
    SessionChanged, SessionForceClose, WeekendClosure, OperatorNotice)


def notice_for(event: Event, now: datetime, tz: str) -> Notice | None:
    """The notice of one event, or None when the event is not a notification."""
    e = event
    if isinstance(e, OrderRejected):
        return Notice("order_failed", msg.order_failed(e.symbol, e.direction, e.reason,
                                                       e.retcode, now, tz))
    if isinstance(e, TradingStateChanged):
        if e.paused and e.reason == "PANIC":
            return Notice("emergency_stop", msg.emergency_stop(now, tz),
                          speech=sentences.emergency_stop())
        if e.paused:
            return Notice("trading_paused", msg.trading_paused(e.reason, now, tz))
        return Notice("trading_resumed", msg.trading_resumed(now, tz))
    if isinstance(e, DailyLossWarning):
        return Notice("daily_loss_warning", msg.daily_loss_warning(
            e.daily_loss, e.daily_cap, e.percent, e.tier, now, tz),
            speech=sentences.daily_loss_warning(e.percent))
    if isinstance(e, DailyLossLimit):
        return Notice("daily_loss_limit", msg.daily_loss_limit(
            e.daily_loss, e.daily_cap, e.tier, e.reset_at, now, tz),
            speech=sentences.daily_loss_limit())
    if isinstance(e, LifetimeLossLimit):
        return Notice("lifetime_loss_limit", msg.lifetime_loss_limit(
            e.lifetime_loss, e.lifetime_cap, e.tier, now, tz),
            speech=sentences.lifetime_loss_limit())
    if isinstance(e, ProfitTargetReached):
        return Notice("profit_target_reached", msg.profit_target(e.daily_net, e.target, now, tz))
    if isinstance(e, RiskBlocked):
        return Notice("risk_blocked", msg.risk_blocked(e.symbol, e.code, e.text, now, tz))
    if isinstance(e, LotReduced):
        return Notice("lot_reduced", msg.lot_reduced(e.symbol, e.before, e.after, e.reason,
                                                     now, tz))
    if isinstance(e, ConfigChanged):
        return Notice("config_changed", msg.config_changed(e.key, e.value, e.command, now, tz))
    if isinstance(e, SessionStarting):
        return Notice("session_starting", msg.session_starting(e.name, e.minutes,
                                                               e.local_start, e.symbols))
    if isinstance(e, SessionChanged):
        return Notice("session_changed", msg.session_changed(e.name, e.previous_name,
                                                             e.symbols, now, tz))
    if isinstance(e, SessionForceClose):
        return Notice("session_force_close", msg.session_force_close(
            e.name, e.closed, e.failed, e.profit, now, tz))
    if isinstance(e, WeekendClosure):
        return Notice("weekend_closure", msg.weekend_closure(e.active, now, tz))
    if isinstance(e, OperatorNotice):
        text = "\n".join((e.title, *e.lines, fmt_time(now, tz)))
        return Notice(e.type, text, origin=classify(e.strategy) if e.strategy else None,
                      speech=e.speech)
    return None
