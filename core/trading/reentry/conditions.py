"""The conditions a triggered re-entry must pass (SPEC §6.1), first failing one wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.config.settings import Settings
from core.domain.symbols import SymbolSpec
from core.risk.manager import RiskManager
from core.risk.precheck import PlannedOrder
from core.trading.alignment import V3_OWNER, Alignment
from core.trading.autonomy import Autonomy, protection_allows
from core.trading.reentry.model import Chain
from core.trading.reentry.rules import cooldown_seconds, reduced_sl_pips


@dataclass(frozen=True, slots=True)
class Verdict:
    """`code` None: go, with `lot` and `sl_pips`; otherwise why not (code and words)."""

    code: str | None
    text: str
    lot: float = 0.0
    sl_pips: float = 0.0
    reduction: float = 0.0


def strategy_enabled(settings: Settings, owner: str, logic: str | None) -> bool:
    """SPEC §3.8 gate 1: the logic (V4, and V3's routing) or the plugin is switched on."""
    if owner in settings.logics:
        return settings.logics[owner].enabled
    entry = settings.plugins.entry(owner)
    if not entry.enabled:
        return False
    if owner == V3_OWNER and logic in settings.logics:
        return settings.logics[logic].enabled
    return True


def judge(chain: Chain, now: datetime, settings: Settings, spec: SymbolSpec,
          risk: RiskManager, alignment: Alignment, autonomy: Autonomy) -> Verdict:
    """Level, gates (§3.8), alignment, autonomous limits (§6.6), cooldown, the pre-trade risk
    check (§5.4.3) and profit protection (§6.7), in that order."""
    if chain.current_level >= chain.max_level:
        return Verdict("MAX_LEVEL", f"level {chain.current_level}/{chain.max_level} reached")
    if not strategy_enabled(settings, chain.strategy, chain.logic):
        return Verdict("PLUGIN_DISABLED" if chain.strategy not in settings.logics
                       else "LOGIC_DISABLED", f"{chain.strategy} is switched off")
    gate = risk.check_new_order(chain.symbol, now, strategy=chain.strategy, announce=False)
    if not gate.allowed:
        return Verdict(str(gate.code), gate.text)
    ok, why = alignment.check(chain.strategy, chain.logic, chain.symbol, chain.side)
    if not ok:
        return Verdict("TREND_MISALIGNED", why)
    ok, why = autonomy.may_start(now, chain.chain_id)
    if not ok:
        return Verdict("AUTONOMOUS_LIMIT", why)
    wait = cooldown_seconds(settings, chain.strategy)
    if chain.last_reentry_at:
        since = (now - datetime.fromisoformat(chain.last_reentry_at)).total_seconds()
        if since < wait:
            return Verdict("COOLDOWN", f"cooldown: {wait - since:.0f} s left of {wait:g} s")
    reduction = settings.reentry.reduction(chain.symbol)
    sl_pips = reduced_sl_pips(chain.original_sl_pips, reduction, chain.current_level + 1,
                              spec.min_sl_pips)
    check = risk.pre_trade_check(chain.symbol, [PlannedOrder("R", chain.lot, sl_pips,
                                                             spec.pip_value)],
                                 strategy=chain.strategy, announce=False)
    if not check.ok:
        return Verdict(str(check.code), check.text)
    lot = check.lots[0]
    ok, why = protection_allows(settings, "A", chain.total_profit, lot, sl_pips,
                                spec.pip_value)
    if not ok:
        return Verdict("PROFIT_PROTECTION", why)
    return Verdict(None, "all conditions met", lot, sl_pips, reduction)
