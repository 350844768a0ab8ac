"""Read-only risk views (lines and table rows) shared by the RISK commands and front ends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.clock import fmt_duration, fmt_time
from core.config.settings import TIERS, Settings
from core.domain.symbols import SymbolSpec
from core.risk.gates import usd
from core.risk.manager import RiskManager, RiskStatus
from core.risk.sizing import fallback_sl_pips, table_sl_pips

TIER_RANGES = {"5000": "< 10,000", "10000": "10,000 – 24,999", "25000": "25,000 – 49,999",
               "50000": "50,000 – 99,999", "100000": "≥ 100,000"}


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f} %" if whole > 0 else "—"


def overview(status: RiskStatus, settings: Settings, now: datetime) -> list[str]:
    """The /risk menu text: tier, caps used, smart factor, limits, blocks."""
    c = status.counters
    how = "auto by balance" if status.tier_mode == "auto" else "pinned"
    target = (f"{usd(status.profit_target)} (net today {usd(c.daily_net)})"
              if status.profit_target > 0 else "off")
    max_trades = str(status.max_daily_trades) if status.max_daily_trades else "unlimited"
    sl = settings.sl_systems
    zone = settings.risk.daily_reset_timezone
    lines = [
        f"Tier {status.tier} ({how}; balance {usd(status.balance)}) · risk "
        f"{status.risk_percent:g} % · max lot {status.max_lot:.2f}",
        f"Daily loss {usd(c.daily_loss)} of {usd(status.daily_cap)} "
        f"({pct(c.daily_loss, status.daily_cap)}) · {usd(status.remaining_daily)} left",
        f"Lifetime loss {usd(c.lifetime_loss)} of {usd(status.lifetime_cap)} "
        f"({pct(c.lifetime_loss, status.lifetime_cap)}) · {usd(status.remaining_lifetime)} left",
        f"Smart lot reduction ×{status.smart_factor:g}"
        + ("" if settings.risk.smart_lot_reduction else " (switched off)"),
        f"Daily profit target: {target}",
        f"Open trades {status.open_trades}/{status.max_open} · trades today "
        f"{c.daily_trades}/{max_trades}",
        f"SL system {sl.active} ({'tables on' if sl.enabled else 'tables OFF: fallback rule'})",
        f"Trading day {c.trading_day} · next reset {fmt_time(status.next_reset, zone)} "
        f"(in {fmt_duration((status.next_reset - now).total_seconds())})",
    ]
    lines += [f"Active block: {b}" for b in status.blocks] or ["No active block."]
    return lines


def status_lines(status: RiskStatus) -> list[str]:
    """/view_risk_status: the counters, what is left, the smart factor, active blocks."""
    c = status.counters
    return [f"Daily loss {usd(c.daily_loss)} / {usd(status.daily_cap)} · remaining "
            f"{usd(status.remaining_daily)}",
            f"Lifetime loss {usd(c.lifetime_loss)} / {usd(status.lifetime_cap)} · remaining "
            f"{usd(status.remaining_lifetime)} (since {c.lifetime_since[:10] or 'start'})",
            f"Realised today: +{usd(c.daily_profit)} / −{usd(c.daily_loss)} · net "
            f"{usd(c.daily_net)}",
            f"Smart-reduction factor ×{status.smart_factor:g}",
            *([f"Active block: {b}" for b in status.blocks] or ["No active block."])]


def status_data(s: RiskStatus) -> dict[str, Any]:
    return {"tier": s.tier, "tier_mode": s.tier_mode, "daily_loss": s.counters.daily_loss,
            "daily_cap": s.daily_cap, "lifetime_loss": s.counters.lifetime_loss,
            "lifetime_cap": s.lifetime_cap, "remaining_daily": s.remaining_daily,
            "remaining_lifetime": s.remaining_lifetime, "smart_factor": s.smart_factor,
            "daily_net": s.counters.daily_net, "trades_today": s.counters.daily_trades,
            "blocks": list(s.blocks), "trading_day": s.counters.trading_day,
            "next_reset": s.next_reset.isoformat()}


def protection_rows(settings: Settings) -> tuple[tuple[str, ...], ...]:
    pp = settings.reentry.profit_protection
    return tuple((m + (" ◀" if m == pp.mode else ""), f"×{r.multiplier:g}",
                  usd(r.min_chain_profit)) for m, r in pp.modes.items())


@dataclass(frozen=True, slots=True)
class View:
    """A titled table view, rendered by the command layer."""

    title: str
    lines: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    data: dict[str, Any]


def caps_view(settings: Settings, active: str) -> View:
    rows = []
    for tier in TIERS:
        row = settings.risk.tiers[tier]
        rows.append((tier + (" ◀" if tier == active else ""), TIER_RANGES[tier],
                     f"{row.risk_percent:g} %", f"{row.max_lot:.2f}", usd(row.daily_cap),
                     usd(row.lifetime_cap)))
    return View("Risk tiers", (f"Active tier {active} ({settings.risk.tier_mode}).",),
                ("Tier", "Balance", "Risk", "Max lot", "Daily cap", "Lifetime cap"),
                tuple(rows), {"active": active, "tiers": settings.risk.model_dump()["tiers"]})


def sl_view(settings: Settings, tier: str, balance: float,
            symbols: Mapping[str, SymbolSpec]) -> View:
    """Per symbol: both tables at `tier`, the reduction and the effective SL of new orders."""
    sl = settings.sl_systems
    rows = []
    for name, spec in symbols.items():
        cells = [f"{sl.tables[t][name][tier]:g}" if name in sl.tables[t] else "—"
                 for t in ("sl-1", "sl-2")]
        reduction = sl.symbol_reductions.get(name, 0.0)
        effective = table_sl_pips(settings, spec, tier, balance=balance)
        rows.append((name, *cells, f"{reduction:g} %" if reduction else "—",
                     f"{effective:.1f}"))
    state = f"active {sl.active}" if sl.enabled else "tables OFF (fallback rule §5.3.2)"
    reductions = ", ".join(f"{k} {v:g} %" for k, v in sl.symbol_reductions.items() if v)
    return View(f"SL configuration · {state}",
                (f"Tier {tier} values (pips).", f"Reductions: {reductions or 'none'}"),
                ("Symbol", "sl-1", "sl-2", "Reduction", "Effective"), tuple(rows),
                {"enabled": sl.enabled, "active": sl.active, "tier": tier,
                 "reductions": dict(sl.symbol_reductions)})


def lots_view(risk: RiskManager, settings: Settings,
              symbols: Mapping[str, SymbolSpec]) -> View:
    """Example lots for a table-based order on every symbol (no strategy multiplier)."""
    s = risk.status()
    rows = []
    for name, spec in symbols.items():
        sl_pips = risk.sl_pips(spec)
        lot = risk.size(spec, sl_pips, announce=False)
        loss = lot.lot * sl_pips * lot.pip_value
        rows.append((name, f"{sl_pips:.1f}", f"{lot.pip_value:g}", f"{lot.raw:.3f}",
                     f"{lot.lot:.2f}", usd(loss)))
    sl = settings.sl_systems
    lines = (f"Balance {usd(s.balance)} · risk {s.risk_percent:g} % · max lot "
             f"{s.max_lot:.2f} · smart ×{s.smart_factor:g}",
             f"SL: {sl.active if sl.enabled else 'tables off (fallback rule)'}; lots before "
             "strategy multipliers")
    return View(f"Lot sizes · tier {s.tier}", lines,
                ("Symbol", "SL pips", "Pip value", "Raw lot", "Lot", "Risk"), tuple(rows),
                {"tier": s.tier, "lots": {r[0]: float(r[4]) for r in rows}})


def fallback_text(settings: Settings, tier: str, balance: float,
                  symbols: Mapping[str, SymbolSpec]) -> list[str]:
    """What the fallback rule gives at the active tier (shown when switching the tables off)."""
    row = settings.risk.tiers[tier]
    parts = [f"{name} {fallback_sl_pips(settings, spec, tier, balance):.0f}p"
             for name, spec in list(symbols.items())[:4]]
    return [f"SL pips = balance × risk % ÷ (pip value × tier max lot) = {usd(balance)} × "
            f"{row.risk_percent:g} % ÷ (pip value × {row.max_lot:.2f})",
            "e.g. " + ", ".join(parts)]
