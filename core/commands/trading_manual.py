"""Manual trading (SPEC §5.5.3): /trade menu, /buy, /sell and /close TICKET."""

from __future__ import annotations

from core.brokers.port import BrokerError
from core.brokers.tagging import magic_for, make_comment, new_client_id
from core.commands.risk import SYMBOLS, symbol_arg
from core.commands.spec import (
    Category,
    CommandContext,
    CommandError,
    CommandSpec,
    Param,
    Reply,
)
from core.commands.system import money
from core.commands.trading import require_trading
from core.domain.enums import Direction, OrderKind, Severity
from core.domain.orders import OrderIntent
from core.risk.manager import RiskManager
from core.risk.precheck import PlannedOrder

MENU = ("buy", "sell", "close", "partial", "positions")
DEFAULT_TP_FACTOR = 1.5  # SPEC §5.3.2: TP 0 = 1.5 × SL
MIN_LOT, MAX_LOT = 0.01, 10.0


def _risk(ctx: CommandContext) -> RiskManager:
    if ctx.engine.risk is None:
        raise CommandError("the engine is not started")
    return ctx.engine.risk


async def trade_menu(ctx: CommandContext) -> Reply:
    """The manual-trade menu: each registered manual command with its usage."""
    registry = ctx.engine.registry
    specs = [registry.get(name) for name in MENU if name in registry]
    settings = ctx.engine.settings.risk
    sl = (f"{settings.manual_default_sl_pips:g} pips" if settings.manual_default_sl_pips
          else "the active SL table")
    tp = (f"{settings.manual_default_tp_pips:g} pips" if settings.manual_default_tp_pips
          else f"{DEFAULT_TP_FACTOR:g} × SL")
    lines = tuple(f"{s.usage()} — {s.summary}" for s in specs) + (
        f"Defaults: SL {sl} (/setsl), TP {tp} (/settp); lot {MIN_LOT:g}–{MAX_LOT:g}, never "
        "above the tier max lot.",
        "Manual orders obey pause, weekend closure and loss caps, bypass the session filter "
        "with a warning, and never seed re-entry chains.")
    return Reply(title="Manual trading", lines=lines,
                 data={"commands": [f"/{s.name}" for s in specs],
                       "usage": {s.name: s.usage() for s in specs}})


async def _manual(ctx: CommandContext, direction: Direction) -> Reply:
    settings = ctx.engine.settings
    trading, risk = require_trading(ctx), _risk(ctx)
    spec = symbol_arg(ctx)
    if spec.name not in settings.symbols.enabled:
        raise CommandError(f"symbol: {spec.name} is not enabled; enabled: "
                           + ", ".join(settings.symbols.enabled))
    lot = round(float(ctx.args["lot"]), 2)
    await trading.refresh()
    tier = risk.tier()
    tier_max = settings.risk.tiers[tier].max_lot
    if lot > tier_max + 1e-9:
        raise CommandError(f"lot: {lot:g} is above the max lot {tier_max:g} of tier {tier} "
                           "(/setlot changes it)")
    side = direction.value
    gate = risk.check_new_order(spec.name, manual=True, strategy="manual")
    if not gate.allowed:
        return Reply(title=f"{side} {spec.name} refused: {gate.code}", lines=(gate.text,),
                     ok=False, severity=Severity.MEDIUM,
                     data={"code": gate.code, "symbol": spec.name})
    sl_pips = float(ctx.args.get("sl_pips") or settings.risk.manual_default_sl_pips
                    or risk.sl_pips(spec))
    tp_pips = float(ctx.args.get("tp_pips") or settings.risk.manual_default_tp_pips
                    or DEFAULT_TP_FACTOR * sl_pips)
    pip_value = spec.pip_value
    check = risk.pre_trade_check(spec.name, [PlannedOrder(OrderKind.MANUAL.value, lot, sl_pips,
                                                          pip_value)], strategy="manual")
    if not check.ok:
        return Reply(title=f"{side} {spec.name} refused: {check.code}", lines=(check.text,),
                     ok=False, severity=Severity.MEDIUM,
                     data={"code": check.code, "symbol": spec.name})
    volume = check.lots[0]
    try:
        quote = await trading.broker.quote(spec.name)
    except BrokerError as exc:
        raise CommandError(f"no price for {spec.name}: {exc}") from exc
    price = quote.ask if direction is Direction.BUY else quote.bid
    sign = direction.sign
    sl = spec.round_price(price - sign * spec.price_distance(sl_pips))
    tp = spec.round_price(price + sign * spec.price_distance(tp_pips))
    client_id = new_client_id()
    intent = OrderIntent(
        client_id=client_id, symbol=spec.name, direction=direction, volume=volume, sl=sl,
        tp=tp, kind=OrderKind.MANUAL, strategy="manual",
        magic=magic_for("manual", settings.mt5.magic_base),
        comment=make_comment("manual", OrderKind.MANUAL.value, client_id))
    result = await trading.place(intent)
    if not result.ok or result.ticket is None:
        return Reply(title=f"{side} {spec.name} failed at the broker", ok=False,
                     severity=Severity.HIGH, lines=(f"{result.message} ({result.retcode})",),
                     data={"retcode": result.retcode, "symbol": spec.name})
    fill = result.price or price
    risk_usd = round(volume * sl_pips * pip_value, 2)
    fmt = f".{spec.digits}f"
    lines = [f"Filled at {fill:{fmt}} · SL {sl:{fmt}} ({sl_pips:g} pips) · "
             f"TP {tp:{fmt}} ({tp_pips:g} pips)",
             f"Risk {money(risk_usd)} at SL · tier {tier} · magic {intent.magic}"]
    lines += [f"Warning: {text}" for text in (gate.warning,) if text]
    if check.reduced:
        lines.append(f"Lot {lot:g} → {volume:g}: {check.text}")
    return Reply(title=f"{side} {volume:g} {spec.name} opened: #{result.ticket}",
                 lines=tuple(lines), severity=Severity.MEDIUM if gate.warning else Severity.INFO,
                 data={"ticket": result.ticket, "symbol": spec.name, "direction": side,
                       "volume": volume, "price": fill, "sl": sl, "tp": tp,
                       "sl_pips": sl_pips, "tp_pips": tp_pips, "risk": risk_usd,
                       "warning": gate.warning})


async def buy(ctx: CommandContext) -> Reply:
    return await _manual(ctx, Direction.BUY)


async def sell(ctx: CommandContext) -> Reply:
    return await _manual(ctx, Direction.SELL)


async def close(ctx: CommandContext) -> Reply:
    """Close one system-owned position at market; the reply shows the realised P&L."""
    trading = require_trading(ctx)
    store = ctx.engine.store
    if store is None:
        raise CommandError("the engine is not started")
    ticket = int(ctx.args["ticket"])
    await trading.refresh()
    held = trading.positions.get(ticket)
    if held is None:
        open_ = ", ".join(f"#{t}" for t in sorted(trading.positions)) or "none"
        raise CommandError(f"ticket #{ticket} is not an open system position; open: {open_}")
    result = await trading.close(ticket, reason="MANUAL")
    if not result.ok:
        return Reply(title=f"Close #{ticket} failed", ok=False, severity=Severity.HIGH,
                     lines=(f"{result.message} ({result.retcode})",),
                     data={"ticket": ticket, "retcode": result.retcode})
    records = [r for r in store.tail("trades", 50) if r.get("ticket") == ticket]
    profit = float(records[-1]["profit"]) if records else held.profit
    closed_at = records[-1].get("price_close") if records else result.price
    return Reply(title=f"Closed #{ticket} {held.symbol} {held.direction.value} "
                       f"{held.volume:g}: {money(profit)}",
                 lines=(f"Entry {held.price_open} · close {closed_at} · realised "
                        f"{profit:+.2f}",),
                 data={"ticket": ticket, "profit": profit, "symbol": held.symbol,
                       "price_close": closed_at})


SYMBOL = Param("symbol", "symbol", presets=SYMBOLS)
LOT = Param("lot", "lot", kind="float", minimum=MIN_LOT, maximum=MAX_LOT,
            presets=("0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"))
SL = Param("sl_pips", "pips", required=False, kind="float", minimum=1, maximum=5000,
           presets=("10", "15", "20", "30", "50", "100"), help="default: /setsl or the SL table")
TP = Param("tp_pips", "pips", required=False, kind="float", minimum=1, maximum=10000,
           presets=("15", "20", "30", "45", "75", "150"), help="default: /settp or 1.5 × SL")
T = Category.TRADING
COMMANDS = (
    CommandSpec("trade", T, "Manual-trade menu (buy, sell, close, partial, positions)",
                trade_menu),
    CommandSpec("buy", T, "Manual BUY (SPEC §5.5.3)", buy, params=(SYMBOL, LOT, SL, TP),
                confirm=True, effect="Places a manual BUY market order (magic + 0) with the "
                "given lot, SL and TP."),
    CommandSpec("sell", T, "Manual SELL (SPEC §5.5.3)", sell, params=(SYMBOL, LOT, SL, TP),
                confirm=True, effect="Places a manual SELL market order (magic + 0) with the "
                "given lot, SL and TP."),
    CommandSpec("close", T, "Close one position", close, confirm=True,
                params=(Param("ticket", "ticket", kind="int", minimum=1),),
                effect="Closes this position at market."),
)
