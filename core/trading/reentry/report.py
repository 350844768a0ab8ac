"""Words and tables of the REENTRY commands (SPEC §10.2.6) over the live chain book."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.config.settings import Settings
from core.trading.reentry.model import ARMED, Chain
from core.trading.reentry.rules import recovery_window_minutes

CHAIN_COLUMNS = ("Chain", "Symbol", "Side", "Strategy", "Level", "Status", "Trigger", "Target",
                 "Until", "P&L", "Tickets")
RECOVERY_COLUMNS = ("Chain", "Symbol", "Kind", "Target", "Window end", "Failing condition")
WINDOW_TARGETS = {"logic1": "combinedlogic-1", "logic2": "combinedlogic-2",
                  "logic3": "combinedlogic-3", "1m": "v6_price_action_1m",
                  "5m": "v6_price_action_5m", "15m": "v6_price_action_15m",
                  "1h": "v6_price_action_1h"}


def on_off(value: bool) -> str:
    return "ON" if value else "OFF"


def chain_row(chain: Chain) -> tuple[str, ...]:
    return (chain.chain_id, chain.symbol, chain.direction, chain.strategy,
            f"{chain.current_level}/{chain.max_level}", chain.status, chain.armed_kind or "-",
            "-" if chain.target_price is None else f"{chain.target_price:g}",
            chain.armed_until[11:16] or "-", f"{chain.total_profit:+.2f}",
            " ".join(f"#{t}" for t in chain.tickets))


def recovery_row(chain: Chain) -> tuple[str, ...]:
    if chain.status == ARMED:
        return (chain.chain_id, chain.symbol, chain.armed_kind,
                f"{chain.target_price:g}" if chain.target_price is not None else "-",
                chain.armed_until[11:16] + " UTC" if chain.armed_until else "none",
                chain.blocked or "none (waiting for the price)")
    return (chain.chain_id, chain.symbol, f"open #{chain.open_ticket}", "-", "-",
            f"level {chain.current_level}/{chain.max_level} order open")


def switches(settings: Settings) -> list[str]:
    re = settings.reentry
    return [f"SL hunt {on_off(re.sl_hunt.enabled)} ({re.sl_hunt.mode}) · TP continuation "
            f"{on_off(re.tp_continuation.enabled)} · exit continuation "
            f"{on_off(re.exit_continuation.enabled)} · autonomous "
            f"{on_off(re.autonomous_enabled)} · shield {on_off(settings.reverse_shield.enabled)}"]


def counters(status: dict[str, Any]) -> str:
    return (f"Today: {status['attempts']}/{status['max_attempts']} attempts, "
            f"{status['losses']}/{status['max_losses']} losses, {status['active']}/"
            f"{status['max_concurrent']} active, recovery P&L {status['pnl_today']:+.2f}")


def config_lines(settings: Settings) -> list[str]:
    re = settings.reentry
    hunt = re.sl_hunt
    s = re.safety
    pp = re.profit_protection
    shield = settings.reverse_shield
    return [
        *switches(settings),
        f"Monitor every {re.monitor_interval_seconds} s · cooldown {re.cooldown_seconds} s · "
        f"max level {re.max_levels}",
        f"SL reduction: {re.sl_reduction_strategy} (custom r {re.sl_reduction_per_level:g}; "
        f"EURUSD now {re.reduction('EURUSD'):g})",
        f"SL hunt: offset {hunt.offset_pips:g} pip(s), retrace {hunt.retrace_fraction:g}",
        f"Continuation gaps: TP +{re.tp_continuation.gap_pips:g} pips, exit "
        f"+{re.exit_continuation.gap_pips:g} pips",
        f"Default recovery window {re.default_recovery_window_minutes} min",
        f"Safety: {s.max_attempts_per_day} attempts/day, {s.max_losses_per_day} losses/day, "
        f"{s.max_concurrent} concurrent, {s.cooldown_hours:g} h cooldown",
        f"Priority: {', '.join(re.priority)}",
        f"Profit protection: {pp.mode} (Order A {on_off(pp.apply_to_order_a)}, Order B "
        f"{on_off(pp.apply_to_order_b)})",
        f"Reverse shield: {on_off(shield.enabled)}, lot × {shield.lot_fraction:g}, R:R "
        f"{shield.rr:g}, max {shield.max_concurrent} pairs, kill at {shield.kill_switch_retrace:g}",
    ]


def window_rows(settings: Settings) -> tuple[tuple[str, ...], ...]:
    rows = [(target, owner, f"{recovery_window_minutes(settings, owner, None)} min")
            for target, owner in WINDOW_TARGETS.items()]
    rows.append(("other", "manual / default",
                 f"{settings.reentry.default_recovery_window_minutes} min"))
    return tuple(rows)


def dashboard_rows(chains: list[Chain], now: datetime) -> tuple[tuple[str, ...], ...]:
    rows = []
    for rank, chain in enumerate(chains, 1):
        age = now - datetime.fromisoformat(chain.created_at)
        rows.append((str(rank), chain.chain_id, chain.status, f"{chain.total_profit:+.2f}",
                     f"{int(age.total_seconds() // 60)} min"))
    return tuple(rows)
